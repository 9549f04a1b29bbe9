"""The domain lexicon: aliases, synonym groups and an English→French glossary.

All three are applied by the one analyzer to the corpus and to questions alike, so a question
and a sentence that say the same thing with different words end up with the same terms.

- ``ALIASES``: spellings of one name, typos of the sources included (a lower-cased surface form,
  hyphens kept → its canonical form). "OpenAai" and "GPT-ASS" are typos in the articles that a
  reader must still find.
- ``SYNONYMS``: groups of French (and common English) words a reader uses for the same thing
  in this domain. Each group collapses to its first member's stem. Words are written in
  their dictionary form; the analyzer stems them, so "limogé" and "limogeage" follow "limoger".
  Keep groups narrow: merging words that are only sometimes synonyms costs precision on every
  other question.
- ``PLACES``: words read as another word: metonyms of the press, a company named by its
  seat ("la firme de Redmond"), and the official French terms for anglicisms of the field
  (FranceTerme: "jeune pousse" for start-up, "dialogueur" for chatbot, "nuage" for cloud).
  ``PHRASE_ALIASES`` holds the two-word ones, matched on a word and the next.
- ``ENGLISH``: English question words → French words, so that "Who is the CEO of Microsoft?"
  finds the French sentence. Only words that are not also French words (no "main", "pour"...).
"""

ALIASES: dict[str, str] = {
    # Names the stemmer would mangle into a French word ("openai" → "open" → "ouvert").
    "openai": "openai",
    "chatgpt": "chatgpt",
    "meta": "meta",  # not "met" (mettre)
    # Common words that stemming would pull into a synonym group: "mise en œuvre" is not an
    # investment ("miser"), "en partie" is not a stake ("part").
    "mise": "mise",
    "mises": "mise",
    "partie": "partie",
    "parties": "partie",
    "partir": "partir",  # "à partir de"
    "parti": "partir",
    "partis": "partir",
    "openaai": "openai",
    "open-ai": "openai",
    "openai's": "openai",
    "gpt3": "gpt3",
    "gpt-3": "gpt3",
    "gpt-ass": "gptoss",  # typo in the source for gpt-oss
    "gpt-oss": "gptoss",
    "gptoss": "gptoss",
    "dall-e": "dalle",
    "start-up": "startup",
    "start-ups": "startup",
    "plates-formes": "plateforme",
    "plate-forme": "plateforme",
    "msft": "microsoft",
    "ms": "microsoft",
    "llms": "llm",
    "llama": "llama",
    "lama": "llama",  # "le lama de Meta" in the source
    "usd": "dollar",
    "$": "dollar",
    "€": "euro",
    "md": "milliard",
    "mds": "milliard",
    "mrd": "milliard",
    "bn": "milliard",
    "m$": "million",
}

PLACES: dict[str, str] = {
    "redmond": "microsoft",
    "cupertino": "apple",
    "nuage": "cloud",
    "nuagique": "cloud",
    "dialogueur": "chatbot",
    "conversationnel": "chatbot",  # "robot / agent / assistant conversationnel"
    "conversationnels": "chatbot",
    "conversationnelle": "chatbot",
}

# A word and the next one → one word (analysed like the others); the second is consumed.
PHRASE_ALIASES: dict[tuple[str, str], str] = {
    ("mountain", "view"): "google",
    ("menlo", "park"): "meta",
    ("jeune", "pousse"): "start-up",
    ("jeunes", "pousses"): "start-up",
}

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pdg", "ceo", "patron", "dirigeant"),
    (
        "évincer",
        "éviction",
        "virer",
        "viré",
        "renvoyer",
        "renvoi",
        "limoger",
        "limogeage",
        "destituer",
        "destitution",
        "congédier",
        "démettre",
        "ousted",
        "fired",
        "sacked",
    ),
    ("investir", "investissement", "injecter", "injection", "miser", "invest", "investment"),
    ("investisseur", "bailleur", "financeur", "actionnaire", "investor", "backer", "shareholder"),
    ("participation", "part", "stake", "shares"),
    ("salarié", "employé", "effectif", "employee", "staff"),
    ("plafonner", "plafonné", "plafond", "limiter", "limité", "capped", "cap"),
    ("mémoire", "ram", "memory"),
    (
        "embaucher",
        "embauche",
        "recruter",
        "recrutement",
        "rejoindre",
        "hire",
        "hired",
        "hiring",
        "join",
        "joined",
    ),
    ("informer", "prévenir", "avertir", "notifier", "informed", "warned", "told"),
    ("interdire", "interdiction", "bannir", "ban", "banned"),
    ("partenariat", "accord", "alliance", "entente", "deal", "partnership", "agreement"),
    ("logiciel", "application", "software", "app", "apps"),
    ("utilisateur", "usager", "user", "users"),
    (
        "concurrent",
        "concurrencer",
        "concurrence",
        "rival",
        "compétiteur",
        "competitor",
        "compete",
        "competition",
    ),
    ("superordinateur", "supercalculateur", "supercomputer"),
    ("société", "entreprise", "firme", "compagnie", "company", "firm"),
    ("licence", "license", "licensing"),
    ("lancer", "lancement", "launch", "launched", "sortir", "sortie", "release"),
    ("publier", "publication", "libérer", "published", "publish"),
    ("démissionner", "démission", "resign", "quit"),
    ("créer", "création", "created", "founded"),  # not "fonder": its stem is "fonds"
    ("bénéficier", "obtenir", "profiter", "get", "obtain", "gain"),
    ("conseil", "board"),
    ("ouvert", "open", "libre"),
    ("chinois", "chine", "chinese", "china"),
)

# Aliases matched on the original spelling, where lower-casing would be ambiguous: the
# English "AI" is the French "IA", but "ai" is also the French "j'ai".
CASED_ALIASES: dict[str, str] = {"AI": "ia", "A.I.": "ia"}

# English → French (one word or several, space-separated). Words already in a synonym group
# above need no entry here.
ENGLISH: dict[str, str] = {
    "billion": "milliard",
    "billions": "milliard",
    "millions": "million",
    "dollars": "dollar",
    "exclusive": "exclusif",
    "weights": "poids",
    "weight": "poids",
    "model": "modèle",
    "models": "modèle",
    "price": "prix",
    "computer": "ordinateur",
    "research": "recherche",
    "safety": "sécurité",
    "security": "sécurité",
    "threatened": "menacer",
    "threaten": "menacer",
    "employees": "salarié",
    "profits": "bénéfice",
    "profit": "bénéfice",
    "returns": "retour",
    "investors": "investisseur",
    "lawsuit": "procès",
    "copyright": "droit auteur",
    "worth": "valoriser",
    "valuation": "valorisation",
    "search": "recherche",
    "engine": "moteur",
    "layoffs": "licencier",
    "lay": "licencier",
    "cost": "coût",
    "costs": "coût",
    "small": "petit",
    "smaller": "petit",
    "larger": "grand",
    "big": "grand",
    "new": "nouveau",
    "first": "premier",
    "year": "année",
    "years": "année",
    "month": "mois",
    "announced": "annoncer",
    "announce": "annoncer",
    "announcement": "annonce",
    "integrate": "intégrer",
    "integrates": "intégrer",
    "products": "produit",
    "product": "produit",
    "provider": "fournisseur",
    "governance": "gouvernance",
    "nonprofit": "lucratif",
    "profit-capped": "lucratif plafonner",
    "happened": "arriver",
    "happen": "arriver",
}
