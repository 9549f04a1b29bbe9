"""Words the deal extractor (``openai_deals.retrieval.deals.extract``) reads deals with.

Data only, like the other ``lang`` modules: which words announce which kind of deal, how
French writes amounts and dates, which phrases mark a rumour, and the canonical spelling of
names the articles write several ways. Every entry is a lower-cased word as spaCy's French
tokenizer cuts it (apostrophes written ``'``): ``"d'"``, ``"qu'"`` are tokens of their own.

Nothing here names a deal. A new article about companies none of these lists know is read
by the same rules: a name is any capitalised run of words, an amount any number with a
magnitude and a currency.
"""

from __future__ import annotations

# -- Names ------------------------------------------------------------------------------------

# Spellings of one party → its canonical name. Also makes a name of a word that starts a
# sentence and is a dictionary word too ("Amazon", "Apple", "Orange").
PARTY_ALIASES: dict[str, str] = {
    "openai": "OpenAI",
    "openaai": "OpenAI",  # typo in the sources
    "open-ai": "OpenAI",
    "openai lp": "OpenAI",
    "microsoft": "Microsoft",
    "msft": "Microsoft",
    # Microsoft's cloud: "la plate-forme cloud Azure … fournisseur cloud exclusif d'OpenAI".
    "azure": "Microsoft",
    "google": "Google",
    "alphabet": "Alphabet",
    "anthropic": "Anthropic",
    "amazon": "Amazon",
    "apple": "Apple",
    "meta": "Meta",
    "nvidia": "Nvidia",
    "khosla ventures": "Khosla Ventures",
    "github": "GitHub",
}

# People the articles name by their surname alone too.
PERSON_ALIASES: dict[str, str] = {
    "altman": "Sam Altman",
    "sam altman": "Sam Altman",
    "nadella": "Satya Nadella",
    "satya nadella": "Satya Nadella",
}

# Products and models: what is licensed or released, never a party ("GPT3" → "GPT-3").
PRODUCTS: dict[str, str] = {
    "gpt3": "GPT-3",
    "gpt-3": "GPT-3",
    "gpt2": "GPT-2",
    "gpt-2": "GPT-2",
    "gpt-4": "GPT-4",
    "chatgpt": "ChatGPT",
    "chatgpt professional": "ChatGPT Professional",
    "dall-e": "DALL-E",
    "copilot": "Copilot",
    "bing": "Bing",
    "word": "Word",
    "excel": "Excel",
    "powerpoint": "PowerPoint",
    "outlook": "Outlook",
    "teams": "Teams",
    "claude": "Claude",
    "bard": "Bard",
    "llama": "Llama",
    "qwen": "Qwen",
    "gpt-ass": "gpt-oss",  # typo in the sources
    "gpt-oss": "gpt-oss",
}

# Capitalised words that are never a party: acronyms of the trade, titles, units.
NOT_NAMES: frozenset[str] = frozenset(
    {"ia", "ai", "api", "pdg", "ceo", "cto", "ram", "go", "llm", "llms", "rl", "web", "ft"}
)

# A name right after one of these nouns is an event, a product or a licence, not a party:
# "la conférence Ignite", "le modèle GPT3", "le service Azure OpenAI", "licence Apache".
NON_PARTY_HEADS: frozenset[str] = frozenset(
    {
        "conférence",
        "salon",
        "sommet",
        "modèle",
        "modèles",
        "service",
        "services",
        "programme",
        "licence",
        "version",
        "logiciel",
        "outil",
        "chatbot",
        "robot",
    }
)

# Job titles: a name beside one ("Kevin Scott, CTO de Microsoft") is a person who speaks.
ROLE_WORDS: frozenset[str] = frozenset(
    {"pdg", "ceo", "cto", "président", "présidente", "directeur", "directrice", "responsable"}
)

# -- Amounts ----------------------------------------------------------------------------------

MAGNITUDES: dict[str, float] = {
    "million": 1e6,
    "millions": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "md": 1e9,
    "mds": 1e9,
    "mrd": 1e9,
    "mrds": 1e9,
}

# Currency words after the magnitude ("de dollars", "d'euros") or signs glued to it ("M$").
CURRENCIES: dict[str, str] = {
    "dollar": "USD",
    "dollars": "USD",
    "$": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "eur": "EUR",
}
# Magnitude and currency in one token, as spaCy leaves them: "300 M$", "2,5 Md€".
GLUED_MONEY: dict[str, tuple[float, str]] = {
    "m$": (1e6, "USD"),
    "md$": (1e9, "USD"),
    "mds$": (1e9, "USD"),
    "m€": (1e6, "EUR"),
    "md€": (1e9, "EUR"),
    "mds€": (1e9, "EUR"),
}

# "plusieurs milliards": at least two.
SEVERAL: dict[str, float] = {"plusieurs": 2.0}

# Shares written in words: "la moitié", "les trois quarts", "un tiers".
FRACTIONS: dict[str, float] = {
    "moitié": 1 / 2,
    "tiers": 1 / 3,
    "quart": 1 / 4,
    "quarts": 1 / 4,
}

PERCENT_SIGNS: frozenset[str] = frozenset({"%", "pour cent", "pourcent"})

# Words before an amount that qualify it → the qualifier recorded with it.
QUALIFIERS: dict[str, str] = {
    "environ": "about",
    "près de": "about",
    "quelque": "about",
    "plus de": "more_than",
    "au moins": "at_least",
    "jusqu'à": "up_to",
    "pouvant atteindre": "up_to",
    "pourrait atteindre": "up_to",
    "moins de": "less_than",
}

# Written right after an amount, kept with it as written ("2 milliards de dollars
# supplémentaires").
AMOUNT_FOLLOWERS: frozenset[str] = frozenset(
    {"supplémentaire", "supplémentaires", "additionnels", "additionnel"}
)

# -- Kinds of deal: the words that announce them ------------------------------------------------

# Verbs and adverbs of investing (prefixes of the lower-cased token). The noun is apart: in
# the plural ("des investissements de plusieurs milliards") it sums up years of deals.
INVEST_PREFIXES: tuple[str, ...] = ("invest", "inject", "financ")
INVEST_NOT: frozenset[str] = frozenset(
    {"investisseur", "investisseurs", "investissements", "financier", "financiers"}
)
INVEST_NOUNS: frozenset[str] = frozenset({"investissement", "injection", "financement"})

STAKE_NOUNS: frozenset[str] = frozenset({"participation", "part", "stake"})
# "49 % du capital de X"
STAKE_AFTER_SHARE: tuple[tuple[str, ...], ...] = (("du", "capital"), ("des", "parts"))

VALUATION_PREFIXES: tuple[str, ...] = ("valoris",)

PROFIT_NOUNS: frozenset[str] = frozenset({"bénéfices", "profits"})

LICENCE_NOUNS: frozenset[str] = frozenset({"licence", "licences", "license"})
# What a licence may be about when no product is named.
LICENSED_THINGS: tuple[tuple[str, ...], ...] = (("propriété", "intellectuelle"),)

# "fournisseur (de) cloud exclusif", "fournisseur exclusif de cloud"
CLOUD_PROVIDER: str = "fournisseur"
CLOUD_WORDS: frozenset[str] = frozenset({"cloud", "nuage"})
EXCLUSIVE_PREFIX: str = "exclusi"

HIRE_PREFIXES: tuple[str, ...] = ("embauch", "recrut")

RELEASE_PREFIXES: tuple[str, ...] = ("lancé", "lance", "publi", "libér", "dévoil")
RELEASE_NOT: frozenset[str] = frozenset({"publicité", "public", "publique", "publics"})
# Head nouns of what is released when it has no name of its own ("ses modèles ouverts").
RELEASE_HEADS: frozenset[str] = frozenset(
    {"modèle", "modèles", "service", "version", "logiciel", "chatbot", "api"}
)

# -- Fact or rumour -----------------------------------------------------------------------------

# Phrases that report hearsay, wherever they are in the sentence.
RUMOUR_PHRASES: tuple[tuple[str, ...], ...] = (
    ("rumeur",),
    ("rumeurs",),
    ("des", "sources", "ont"),
    ("selon", "des", "sources"),
    ("de", "sources", "proches"),
    ("selon", "nos", "informations"),
    ("officieusement",),
)
# Conditional endings ("aurait", "recevrait", "investiraient") and words that only look so.
CONDITIONAL_ENDINGS: tuple[str, ...] = ("rait", "raient")
NOT_CONDITIONAL: frozenset[str] = frozenset(
    {"portrait", "retrait", "extrait", "trait", "attrait", "abstrait", "distrait", "soustrait"}
)
# "a annoncé qu'il investirait": after these verbs the conditional is a future in the past,
# not a rumour (prefixes of the verb).
ANNOUNCE_PREFIXES: tuple[str, ...] = (
    "annonc",
    "déclar",
    "indiqu",
    "affirm",
    "expliqu",
    "précis",
    "confirm",
    "promi",
    "promet",
    "assur",
    "dit",
    "accept",
)

# Who the article says it got the news from: "selon X", "d'après X", "X rapporte que",
# "détaillée par X".
ATTRIBUTION_BEFORE: tuple[tuple[str, ...], ...] = (
    ("selon",),
    ("d'", "après"),
    ("selon", "un", "rapport", "de"),
)
ATTRIBUTION_VERBS: tuple[str, ...] = ("rapport", "révél", "indiqu", "écri", "affirm")
ATTRIBUTION_PARTICIPLES: tuple[str, ...] = ("détaill", "rapporté", "révélé", "publié", "cité")
SOURCE_ALIASES: dict[str, str] = {
    "ft": "Financial Times",
    "nyt": "New York Times",
    "wsj": "Wall Street Journal",
}

# -- Dates --------------------------------------------------------------------------------------

# Words that tie a sentence to the one before it: its deal is that sentence's, dated by it.
BACKREF_OPENERS: tuple[tuple[str, ...], ...] = (
    ("en", "échange", ","),
    ("en", "contrepartie", ","),
    ("à", "l'", "époque", ","),
)
# The pluperfect ("s'était engagé", "avait investi") tells of an earlier deal than the
# article's: it is dated by the sentence before, or not at all.
PLUPERFECT_AUXILIARIES: frozenset[str] = frozenset({"avait", "avaient", "était", "étaient"})

PERIOD_PREFIXES: frozenset[str] = frozenset({"début", "fin", "mi", "courant"})
# Relative dates → (years, months) to add to the article's date.
RELATIVE_DATES: dict[tuple[str, ...], tuple[int, int]] = {
    ("l'", "année", "dernière"): (-1, 0),
    ("l'", "an", "dernier"): (-1, 0),
    ("l'", "an", "passé"): (-1, 0),
    ("l'", "année", "précédente"): (-1, 0),
    ("cette", "année"): (0, 0),
    ("le", "mois", "dernier"): (0, -1),
}
