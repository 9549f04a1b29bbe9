"""Stop words kept out of the index and out of queries.

French: spaCy's ``fr`` list (spacy/lang/fr/stop_words.py), minus the words that carry meaning in
this domain's questions — number words ("deux", "dix", "cent", "mille": amounts matter),
"ouvert(s)" (open models), "retour(s)" (investor returns), "premier", "nouveau", "possible"... —
plus the question words and auxiliaries that every question carries ("quel", "combien",
"été", "faut"), and a short English list so that an English question reduces to its content.
Compared after lower-casing and elision removal, accents kept and folded alike.
"""

# fmt: off
_SPACY_FR = frozenset({
    "a", "abord", "afin", "ah", "ai", "aie", "ainsi", "ait", "allaient", "allons", "alors",
    "apres", "après", "as", "assez", "au", "aupres", "auquel", "aura", "auraient", "aurait",
    "auront", "aussi", "autre", "autrement", "autres", "autrui", "aux", "auxquelles",
    "auxquels", "avaient", "avais", "avait", "avant", "avec", "avoir", "avons", "ayant", "car",
    "ce", "ceci", "cela", "celle", "celle-ci", "celle-la", "celle-là", "celles", "celles-ci",
    "celles-la", "celles-là", "celui", "celui-ci", "celui-la", "celui-là", "cependant",
    "certain", "certaine", "certaines", "certains", "certes", "ces", "cet", "cette", "ceux",
    "ceux-ci", "ceux-là", "chacun", "chacune", "chaque", "chez", "ci", "combien", "comme",
    "comment", "concernant", "da", "dans", "de", "debout", "dedans", "dehors", "deja", "dejà",
    "delà", "depuis", "derriere", "derrière", "des", "desormais", "desquelles", "desquels",
    "dessous", "dessus", "devant", "devers", "devra", "divers", "diverse", "diverses", "doit",
    "doivent", "donc", "dont", "du", "duquel", "durant", "dès", "déja", "déjà", "désormais",
    "egalement", "eh", "elle", "elle-meme", "elle-même", "elles", "elles-memes", "elles-mêmes",
    "en", "encore", "enfin", "entre", "envers", "environ", "es", "est", "et", "etaient",
    "etais", "etait", "etant", "etc", "etre", "eu", "eux", "eux-mêmes", "exactement", "excepté",
    "facon", "fais", "faisaient", "faisant", "fait", "façon", "feront", "font", "ha", "hem",
    "hep", "hi", "ho", "hormis", "hors", "hou", "houp", "hue", "hé", "i", "il", "ils", "je",
    "jusqu", "jusque", "juste", "la", "laquelle", "le", "lequel", "les", "lesquelles",
    "lesquels", "leur", "leurs", "lors", "lorsque", "lui", "lui-meme", "lui-même", "là", "lès",
    "ma", "maint", "mais", "malgre", "malgré", "me", "meme", "memes", "mes", "mien", "mienne",
    "miennes", "miens", "moi", "moi-meme", "moi-même", "moins", "mon", "même", "mêmes", "na",
    "ne", "neanmoins", "ni", "nombreuses", "nombreux", "nos", "notamment", "notre", "nous",
    "nous-mêmes", "nul", "néanmoins", "nôtre", "nôtres", "o", "on", "ont", "or", "ou", "ouias",
    "ouste", "outre", "où", "par", "parce", "parfois", "parmi", "partant", "pas", "pendant",
    "pense", "permet", "peu", "peut", "peuvent", "peux", "plus", "plusieurs", "plutot",
    "plutôt", "pour", "pourquoi", "pourrais", "pourrait", "pouvait", "prealable", "precisement",
    "pres", "procedant", "près", "préalable", "précisement", "pu", "puis", "puisque", "quand",
    "quant", "quant-à-soi", "que", "quel", "quelconque", "quelle", "quelles", "quelqu'un",
    "quelque", "quelques", "quels", "qui", "quiconque", "quoi", "quoique", "revoici", "revoila",
    "revoilà", "sa", "sait", "sans", "sauf", "se", "selon", "semblable", "semblaient", "semble",
    "semblent", "sera", "seraient", "serait", "seront", "ses", "seulement", "si", "sien",
    "sienne", "siennes", "siens", "sinon", "soi", "soi-meme", "soi-même", "soit", "son", "sont",
    "sous", "souvent", "suffisant", "suffisante", "suffit", "suis", "suit", "suivant",
    "suivante", "suivantes", "suivants", "sur", "surtout", "ta", "tant", "te", "tel", "telle",
    "tellement", "telles", "tels", "tenant", "tes", "tien", "tienne", "tiennes", "tiens", "toi",
    "toi-meme", "toi-même", "ton", "touchant", "toujours", "tous", "tout", "toute", "toutes",
    "tres", "très", "tu", "té", "un", "une", "va", "vais", "vas", "vers", "via", "voici",
    "voila", "voilà", "vont", "vos", "votre", "votres", "vous", "vous-mêmes", "vu", "vé",
    "vôtre", "vôtres", "y", "à", "â", "ça", "ès", "également", "étaient", "étais", "était",
    "étant", "être", "ô",
})

# Question words, auxiliaries and politeness; "arrivé" because in "que lui est-il arrivé ?"
# the verb of happening is the question's form, not its topic.
_EXTRA_FR = frozenset({
    "arrive", "arriver", "arrivé", "aujourd", "aujourd'hui", "aura", "avaient", "avait",
    "bonjour", "elles", "es", "est-ce", "etes", "eu", "faire", "fait", "fallait", "falloir",
    "faudra", "faut", "font", "fut", "happen", "happened", "happens", "hui", "il", "ils",
    "lequel", "leur", "lui", "merci", "non", "ont", "oui", "qu", "quelles", "salut", "seraient",
    "serait", "sommes", "stp", "suis", "svp", "t", "y", "étaient", "était", "été", "êtes",
})

_ENGLISH = frozenset({
    "a", "about", "an", "and", "any", "are", "at", "be", "been", "being", "by", "can", "could",
    "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "many", "me", "much", "my", "of", "on", "or", "our",
    "she", "should", "so", "some", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "was", "we", "were", "what", "when", "where",
    "which", "who", "whom", "whose", "why", "will", "with", "would", "you", "your",
})
# fmt: on

STOP_WORDS: frozenset[str] = _SPACY_FR | _EXTRA_FR | _ENGLISH
