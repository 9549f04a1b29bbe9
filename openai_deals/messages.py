"""Every sentence people read, in French, in one place: the terminal and Slack alike.

Retrieval returns outcomes (``Answer.status``), never words; the surfaces word them here.
Slack strings are ``mrkdwn``; those with ``{placeholders}`` are filled by the caller with text
that has already been escaped (see ``openai_deals.slack.render.escape``). Logs stay English.
"""

from __future__ import annotations

from collections.abc import Sequence

from openai_deals.retrieval.corpus import (
    KNOWN_KEYS,
    CorpusDirError,
    CorpusProblem,
    EmptyCorpusError,
    Issue,
)
from openai_deals.retrieval.model import (
    MAX_K,
    MIN_K,
    Answer,
    Deal,
    DealKind,
    DealTerm,
    Status,
)

BOT_NAME = "openai-deals"
COMMAND = "/openai-deals"

EXAMPLE_QUESTIONS = (
    "Combien Google a-t-il investi dans Anthropic ?",
    "Combien Microsoft a-t-il investi dans OpenAI ?",
    "Pourquoi Sam Altman a-t-il été évincé d’OpenAI ?",
)

# Words that, alone after the command or in a DM, ask for help rather than ask a question.
HELP_WORDS = frozenset({"aide", "help", "?", "bonjour", "salut"})

# -- Help (bare mention, "/openai-deals aide", "aide" in a DM) -------------------------------
HELP_INTRO = (
    "Je réponds à vos questions sur les partenariats et les investissements dans l’IA "
    "(OpenAI, Microsoft, Google, Anthropic…) par de courts extraits d’articles de presse "
    "en français, sources à l’appui."
)
HELP_HOW = (
    "*Comment me poser une question*\n"
    "• Mentionnez-moi dans un canal : `@openai-deals votre question`\n"
    "• Écrivez-moi en message direct\n"
    "• Ou tapez `/openai-deals votre question` (réponse visible de vous seul, "
    "que vous pouvez partager dans le canal)\n"
    "• `/openai-deals` seul : la chronologie des accords, sources à l’appui ; "
    "`/openai-deals sources` : les articles que je connais"
)
HELP_EXAMPLES_TITLE = "Exemples"
HELP_FALLBACK = "Posez-moi une question sur les partenariats dans l’IA, par exemple : « {example} »"
# The terminal's help (``openai-deals ask aide``): the same intro and examples, its own "how".
TERMINAL_HELP_HOW = (
    "Comment me poser une question :\n"
    '  openai-deals ask "votre question"\n'
    "  openai-deals ask < questions.txt      (une question par ligne)"
)

ASK_STDIN_PROMPT = "Posez une question par ligne (Ctrl-D pour terminer) :"


def terminal_help() -> str:
    """The help the terminal prints for « aide » (plain text, no Slack markup)."""
    examples = "\n".join(f"  • {q}" for q in EXAMPLE_QUESTIONS)
    return f"{HELP_INTRO}\n\n{TERMINAL_HELP_HOW}\n\n{HELP_EXAMPLES_TITLE} :\n{examples}"


# -- Answers (every surface) ----------------------------------------------------------------
ANSWER_LEAD = "Voici ce que disent les articles :"
ABSTAIN = "Je ne sais pas : les articles que je connais ne parlent pas de ça."
ABSTAIN_TOPICS = "Ils citent surtout {topics}."
NO_KEYWORDS = (
    "Je n’ai pas trouvé de mot-clé dans votre question. "
    "Essayez par exemple : « Combien Google a-t-il investi dans Anthropic ? »"
)
NO_MORE_RESULTS = "C’est tout ce que j’ai trouvé sur cette question."


def _enumerate_fr(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def lead(answer: Answer) -> str:
    """The sentence above the snippets, or the whole message when there are none."""
    if answer.status is Status.ANSWERED:
        return ANSWER_LEAD
    if answer.status is Status.NO_KEYWORDS:
        return NO_KEYWORDS
    if answer.status is Status.NO_MORE:
        return NO_MORE_RESULTS
    if answer.topics:
        return f"{ABSTAIN} {ABSTAIN_TOPICS.format(topics=_enumerate_fr(answer.topics))}"
    return ABSTAIN


def reference(title: str, date: str, source: str = "") -> str:
    """How every surface names an article: "Titre — février 2023 — Source".

    Empty parts are left out. The caller formats the parts for its surface (bold, escaped).
    """
    return " — ".join(p for p in (title, date, source) if p)


def citation_line(number: int, title: str, date: str, source: str = "") -> str:
    """The line under an answer that resolves a citation mark: "[1] Titre — février 2023"."""
    return f"[{number}] {reference(title, date, source)}"


def quote(text: str, citations: Sequence[int]) -> str:
    """A snippet as every surface writes it in plain text: "« text » [1][2]"."""
    return f"« {text} » {''.join(f'[{c}]' for c in citations)}"


QUESTION_ECHO = "Question : « {question} »"
SHARED_BY = "Partagé par <@{user_id}>"
MORE_SOURCES = "et {count} autre(s) source(s)"

BUTTON_SHARE = "Partager dans le canal"
BUTTON_MORE = "Plus de résultats"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
FEEDBACK_THANKS = "Merci pour votre retour !"

# -- Errors: say what happened and what to do next -------------------------------------------
K_EXPECTED = f"doit être un nombre entier de {MIN_K} à {MAX_K}"


def k_out_of_range(name: str, value: object) -> str:
    """The page size ``name`` (``--k``) is outside ``MIN_K``..``MAX_K``."""
    return f"{name} {K_EXPECTED} (reçu : {value})."


# A malformed setting: what the variable must be, and where to fix it.
SETTING_EXPECTED = {
    "SLACK_BOT_TOKEN": (
        "doit être le jeton du bot, qui commence par « xoxb- » (Bot User OAuth Token, "
        "page OAuth & Permissions de l’app Slack)"
    ),
    "SLACK_APP_TOKEN": (
        "doit être un jeton d’app, qui commence par « xapp- » (page Basic Information > "
        "App-Level Tokens de l’app Slack, portée connections:write)"
    ),
    "SLACK_API_BASE_URL": (
        "doit être une adresse https:// (http:// seulement vers cette machine, "
        "par exemple http://127.0.0.1:8080/api/)"
    ),
    "PORT": "doit être un numéro de port, de 1 à 65535",
    "SLACK_API_TIMEOUT": "doit être un nombre de secondes, plus grand que 0 et au plus 120",
    "SLACK_RETRY_BACKOFF": "doit être un nombre de secondes, de 0 à 30",
    "ANSWER_WORKERS": "doit être un nombre entier de 1 à 512",
    "ANSWER_BACKLOG": "doit être un nombre entier de 1 à 1000000",
    "MAX_REQUEST_BYTES": "doit être un nombre d’octets, de 1024 à 67108864 (64 Mio)",
    "SOCKET_MODE_PING_INTERVAL": "doit être un nombre de secondes, plus grand que 0 et au plus 60",
    "EMBEDDINGS": "doit valoir use, e5 ou none",
    "TOP_K": K_EXPECTED,
    "LOG_LEVEL": "doit valoir DEBUG, INFO, WARNING, ERROR ou CRITICAL",
}
SETTING_EXPECTED_DEFAULT = "a une valeur invalide"
SETTING_INVALID = "Configuration invalide : {name} {expected}{received}. Corrigez-le dans {where}."
SETTING_RECEIVED = " (reçu : {value})"
SETTING_IN_ENVIRONMENT = "l’environnement"
# A value refused for a reason of its own (the validator says why and what to do).
SETTING_REFUSED = "Configuration invalide : {name}, lu dans {where} : {why}"


def setting_invalid(name: str, value: object, where: str | None, secret: bool = False) -> str:
    """One line for a malformed setting ``name``; a secret's value is never repeated.

    Args:
        name: the variable, e.g. ``TOP_K``.
        value: what it was set to.
        where: the ``.env`` file it was read from; None for the environment.
        secret: a token or secret, whose value must not be printed.
    """
    return SETTING_INVALID.format(
        name=name,
        expected=SETTING_EXPECTED.get(name, SETTING_EXPECTED_DEFAULT),
        received="" if secret else SETTING_RECEIVED.format(value=value),
        where=where or SETTING_IN_ENVIRONMENT,
    )


def setting_refused(name: str, why: str, where: str | None) -> str:
    """One line for a setting ``name`` refused for the reason ``why`` (a French sentence
    that says what to do); ``where`` is the ``.env`` file it was read from, None for the
    environment."""
    return SETTING_REFUSED.format(name=name, where=where or SETTING_IN_ENVIRONMENT, why=why)


# A Slack value the mode being started needs, missing; and a token Slack refuses.
SETTING_MISSING = "Configuration invalide : {name} n’est pas défini. {what}"
SLACK_SETTING_HELP = {
    "SLACK_BOT_TOKEN": (
        "Copiez le Bot User OAuth Token (xoxb-…) de la page OAuth & Permissions de l’app Slack "
        "dans .env (voir README.md, section The Slack app)."
    ),
    "SLACK_SIGNING_SECRET": (
        "Le mode HTTP vérifie chaque requête avec lui : copiez le Signing Secret de la page "
        "Basic Information de l’app Slack dans .env."
    ),
    "SLACK_APP_TOKEN": (
        "Le Socket Mode demande un jeton d’app (xapp-…) de portée connections:write (page "
        "Basic Information > App-Level Tokens) : mettez-le dans .env, ou lancez plutôt "
        "`openai-deals serve --http` derrière une adresse publique."
    ),
}
BOT_TOKEN_REFUSED = (
    "Configuration invalide : Slack refuse SLACK_BOT_TOKEN ({error}). Copiez de nouveau le "
    "Bot User OAuth Token de la page OAuth & Permissions (réinstallez l’app s’il a été révoqué)."
)


def setting_missing(name: str) -> str:
    """One line for a Slack value (``SLACK_BOT_TOKEN``…) that is not set."""
    return SETTING_MISSING.format(name=name, what=SLACK_SETTING_HELP[name])


NOT_IN_CHANNEL = (
    "Je ne peux pas écrire dans ce canal car je n’en suis pas membre. "
    "Invitez-moi avec `/invite @openai-deals`, puis cliquez de nouveau sur "
    "« Partager dans le canal »."
)
ANSWER_FAILED = (
    "Désolé, je n’ai pas réussi à répondre à cette question. "
    "Réessayez dans un instant ; si cela persiste, prévenez l’équipe qui gère le bot."
)
SLACK_FAILED = (
    "Désolé, Slack n’a pas accepté ma réponse. Réessayez dans un instant ; "
    "si cela persiste, prévenez l’équipe qui gère le bot."
)
BUTTON_EXPIRED = "Ce bouton n’est plus valable. Posez de nouveau votre question."
BUSY = (
    "Je reçois trop de questions en même temps. Reposez la vôtre dans une minute, s’il vous plaît."
)

# -- App Home ---------------------------------------------------------------------------------
HOME_TITLE = "openai-deals"
HOME_CORPUS_TITLE = "*Ce que je connais* — {count} article(s) de presse :"
HOME_CORPUS_EMPTY = "*Ce que je connais* — aucun article n’est encore chargé."
HOME_ARTICLE = "• {reference}"
HOME_MORE_ARTICLES = "… et {count} autre(s) article(s)."

INDEX_BUILT = "{sentences} phrases, {articles} articles → {path}"
INTERRUPTED = "Interrompu."
INDEX_NOT_SAVED = (
    "L’index n’a pas pu être enregistré dans {path} : vérifiez que ce dossier peut être créé "
    "et écrit, ou choisissez-en un autre avec --index-dir ou INDEX_DIR."
)

# -- The corpus (terminal: `openai-deals index`, errors of every command) ----------------------
CORPUS_FORMAT_HINT = "voir le format dans openai_deals/corpus/README.md"
CORPUS_DIR_MISSING = "Le dossier du corpus {path} n’existe pas : vérifiez CORPUS_DIR ou --corpus."
CORPUS_DIR_IS_FILE = (
    "{path} est un fichier, pas un dossier : CORPUS_DIR (ou --corpus) doit désigner le dossier "
    "qui contient les articles (*.md)."
)
CORPUS_DIR_UNREADABLE = (
    "Le dossier du corpus {path} ne peut pas être lu : vérifiez ses droits d’accès."
)
CORPUS_EMPTY = "Aucun article utilisable dans {path} : ajoutez-y des fichiers .md ({hint})."
CORPUS_SKIPPED = "ignoré : {where} : {what}."
CORPUS_WARNING = "attention : {where} : {what}."
CORPUS_LINE = "{file}, ligne {line}"
CORPUS_ISSUES = {
    Issue.NO_FRONT_MATTER: "le fichier doit commencer par une ligne « --- » (l’en-tête)",
    Issue.UNCLOSED_FRONT_MATTER: "l’en-tête n’est pas fermé par une ligne « --- »",
    Issue.NOT_KEY_VALUE: "une ligne de l’en-tête doit avoir la forme « clé: valeur »",
    Issue.UNKNOWN_KEY: "clé « {value} » inconnue, ignorée (clés connues : {known})",
    Issue.MISSING_KEY: "l’en-tête n’a pas de « {value}: »",
    Issue.BAD_DATE: (
        "la date « {value} » doit être une date qui existe, de la forme AAAA, AAAA-MM ou "
        "AAAA-MM-JJ"
    ),
    Issue.BAD_ID: (
        "l’identifiant « {value} » ne peut contenir que des lettres, des chiffres, "
        "« . », « _ » et « - »"
    ),
    Issue.EMPTY_BODY: "l’article n’a pas de texte après l’en-tête",
    Issue.NOT_UTF8: "ce n’est pas du texte UTF-8 (octet {value}) : enregistrez-le en UTF-8",
    Issue.UNREADABLE: "le fichier ne peut pas être lu : vérifiez ses droits d’accès",
    Issue.DUPLICATE_ID: "l’identifiant « {value} » est déjà celui d’un autre fichier",
    Issue.NO_SENTENCE: "aucune phrase ne reste après le nettoyage du texte",
    Issue.NOT_MARKDOWN: (
        "seuls les fichiers .md sont des articles (renommez-le en .md pour l’indexer)"
    ),
    Issue.SUBFOLDER: (
        "les articles doivent être directement dans le dossier du corpus, pas dans un "
        "sous-dossier"
    ),
}


def corpus_problem(problem: CorpusProblem) -> str:
    """One line about a corpus file: skipped (« ignoré ») or indexed with a warning."""
    where = problem.file
    if problem.line:
        where = CORPUS_LINE.format(file=problem.file, line=problem.line)
    what = CORPUS_ISSUES[problem.issue].format(value=problem.value, known=", ".join(KNOWN_KEYS))
    return (CORPUS_SKIPPED if problem.skipped else CORPUS_WARNING).format(where=where, what=what)


def corpus_error(error: CorpusDirError | EmptyCorpusError) -> str:
    """Why no corpus could be read at all."""
    if isinstance(error, EmptyCorpusError):
        return CORPUS_EMPTY.format(path=error.path, hint=CORPUS_FORMAT_HINT)
    if error.is_file:
        return CORPUS_DIR_IS_FILE.format(path=error.path)
    if error.reason:
        return CORPUS_DIR_UNREADABLE.format(path=error.path)
    return CORPUS_DIR_MISSING.format(path=error.path)


# -- Configuration (printed by the command line and at start-up) ------------------------------
INDEX_DIR_HOME_OR_ROOT = (
    "{path} est un dossier personnel ou la racine : choisissez un dossier dédié au cache, "
    "par exemple INDEX_DIR=~/.cache/openai-deals, ou ne définissez pas INDEX_DIR."
)
INDEX_DIR_FOREIGN = (
    "{path} existe déjà et n’a pas été créé par openai-deals : je n’y écris rien. "
    "Videz-le, ou choisissez un autre INDEX_DIR."
)

# -- Starting the bot (`openai-deals serve`, gunicorn) ----------------------------------------
SERVE_SLACK_UNREACHABLE = (
    "Impossible de joindre Slack ({url}) : {reason}. Vérifiez la connexion réseau "
    "(et SLACK_API_BASE_URL s’il est défini), puis relancez."
)
SERVE_SOCKET_MODE_REFUSED = (
    "Slack n’a pas ouvert la connexion Socket Mode ({error}). Relancez dans un instant ; "
    "si cela persiste, vérifiez SLACK_APP_TOKEN et l’état de Slack."
)
SERVE_PORT_INVALID = (
    "Port {port} invalide : choisissez un nombre entre 1 et 65535 (--port ou PORT)."
)
SERVE_PORT_BUSY = (
    "Le port {port} est déjà utilisé : arrêtez le programme qui l’occupe, ou choisissez "
    "un autre port (--port ou PORT)."
)
SERVE_PORT_FAILED = "Impossible d’écouter sur le port {port} : {reason}. Choisissez un autre port."

# -- Deals timeline (/openai-deals, /openai-deals deals, App Home, `openai-deals deals`) -------
# Words that, alone after the command, ask for the timeline or the list of articles.
DEALS_WORDS = frozenset({"deals", "accords", "chronologie", "timeline"})
SOURCES_WORDS = frozenset({"sources", "articles"})

DEALS_TITLE = "Chronologie des accords"
DEALS_LEAD = (
    "Ce que les articles rapportent, du plus ancien au plus récent, par partenariat. "
    "✅ fait annoncé, ❔ non confirmé (rumeur, « aurait »). [n] renvoie aux articles."
)
DEALS_EMPTY = "Les articles que je connais ne rapportent aucun accord que je sache lire."
DEALS_PAGE = "Page {page} sur {pages}"
DEALS_MORE = "Tapez `/openai-deals deals` pour toute la chronologie."
BUTTON_PREVIOUS = "◀ Précédents"
BUTTON_NEXT = "Suivants ▶"

DEAL_FACT = "✅ fait"
DEAL_REPORTED = "❔ non confirmé"
DEAL_ATTRIBUTION = "selon {sources}"
DEAL_KINDS = {
    DealKind.INVESTMENT: "investissement",
    DealKind.STAKE: "participation",
    DealKind.VALUATION: "valorisation",
    DealKind.PROFIT_SHARE: "part des bénéfices",
    DealKind.LICENCE: "licence",
    DealKind.CLOUD: "fournisseur cloud exclusif",
    DealKind.HIRE: "embauche",
    DealKind.RELEASE: "lancement",
}
DEAL_EXCLUSIVE_LICENCE = "licence exclusive"
PARTNERSHIP_JOINER = " – "

SOURCES_TITLE = "*Mes sources* — {count} article(s) :"
SOURCES_LINE = "• {reference} — {sentences} phrase(s)"

PLOT_TITLE = "Accords rapportés par les articles (montants en échelle logarithmique)"
PLOT_AMOUNT = "montant"
PLOT_FACT = "fait annoncé"
PLOT_REPORTED = "non confirmé"
PLOT_NEEDS_MATPLOTLIB = (
    "Le graphique demande matplotlib. Installez-le avec : pip install 'openai-deals[plot]'"
)


def partnership_label(parties: Sequence[str]) -> str:
    """"Microsoft – OpenAI"."""
    return PARTNERSHIP_JOINER.join(parties)


def deal_term(term: DealTerm) -> str:
    """"investissement : 1 milliard de dollars", "licence exclusive : GPT-3"."""
    kind = DEAL_KINDS[term.kind]
    if term.kind is DealKind.LICENCE and term.exclusive:
        kind = DEAL_EXCLUSIVE_LICENCE
    what = term.amount.text if term.amount else term.subject
    return f"{kind} : {what}" if what else kind


def deal_summary(deal: Deal) -> str:
    """What a deal gives, with the sentence's own precisions in brackets."""
    text = " · ".join(deal_term(t) for t in deal.terms)
    return text + "".join(f" ({note})" for note in deal.notes)


def deal_status(deal: Deal) -> str:
    """"✅ fait", "❔ non confirmé, selon Semafor"."""
    status = DEAL_REPORTED if deal.reported else DEAL_FACT
    if deal.attribution:
        status += ", " + DEAL_ATTRIBUTION.format(sources=_enumerate_fr(deal.attribution))
    return status
