"""Every sentence people read, in French, in one place: the terminal and Slack alike.

Retrieval returns outcomes (``Answer.status``), never words; the surfaces word them here.
Slack strings are ``mrkdwn``; those with ``{placeholders}`` are filled by the caller with text
that has already been escaped (see ``openai_deals.slack.render.escape``). Logs stay English.
"""

from __future__ import annotations

from collections.abc import Sequence

from openai_deals.retrieval.model import Answer, Deal, DealKind, DealTerm, Status

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
HELP_EXAMPLES_TITLE = "*Exemples*"
HELP_FALLBACK = "Posez-moi une question sur les partenariats dans l’IA, par exemple : « {example} »"

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

QUESTION_ECHO = "Question : « {question} »"
SHARED_BY = "Partagé par <@{user_id}>"
TRUNCATED = "…"
MORE_SOURCES = "et {count} autre(s) source(s)"

BUTTON_SHARE = "Partager dans le canal"
BUTTON_MORE = "Plus de résultats"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
FEEDBACK_THANKS = "Merci pour votre retour !"

# -- Errors: say what happened and what to do next -------------------------------------------
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
HOME_ARTICLE = "• *{title}* — {date}{source}"
HOME_MORE_ARTICLES = "… et {count} autre(s) article(s)."

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
SOURCES_LINE = "• *{title}* — {date}{source} — {sentences} phrase(s)"

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
