"""Every sentence people read, in French, in one place: the terminal and Slack alike.

Retrieval returns outcomes (``Answer.status``), never words; the surfaces word them here.
Slack strings are ``mrkdwn``; those with ``{placeholders}`` are filled by the caller with text
that has already been escaped (see ``openai_deals.slack.render.escape``). Logs stay English.
"""

from __future__ import annotations

from collections.abc import Sequence

from openai_deals.retrieval.ingestion.corpus import (
    KNOWN_KEYS,
    CorpusDirError,
    CorpusProblem,
    EmptyCorpusError,
    Issue,
)
from openai_deals.retrieval.ingestion.fetch import FetchProblem, FetchRefused
from openai_deals.retrieval.ingestion.sources import AddProblem, AddRefused
from openai_deals.retrieval.model import (
    MAX_K,
    MIN_K,
    MONTHS_FR,
    Answer,
    Deal,
    DealKind,
    DealTerm,
    Status,
    month_label_fr,
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
    "  openai-deals ask < questions.txt      (une question par ligne)\n"
    "  openai-deals deals                    (la chronologie des accords)\n"
    "  openai-deals sources                  (les articles que je connais)"
)

ASK_STDIN_PROMPT = "Posez une question par ligne (Ctrl-D pour terminer) :"


def terminal_help() -> str:
    """The help the terminal prints for « aide » (plain text, no Slack markup)."""
    examples = "\n".join(f"  • {q}" for q in EXAMPLE_QUESTIONS)
    return f"{HELP_INTRO}\n\n{TERMINAL_HELP_HOW}\n\n{HELP_EXAMPLES_TITLE} :\n{examples}"


# -- Answers (every surface) ----------------------------------------------------------------
ANSWER_LEAD = "Voici ce que disent les articles :"
RELATED_LEAD = "Je n’ai pas trouvé de réponse directe ; voici les passages les plus proches :"
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
    if answer.status is Status.RELATED:
        return RELATED_LEAD
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
    """A snippet as every surface writes it in plain text: "« text » [1][2]".

    A snippet that is itself a quotation, from « to », keeps its own guillemets: wrapped
    again it would read « « Aujourd’hui… » »."""
    marks = "".join(f"[{c}]" for c in citations)
    stripped = text.strip()
    if stripped.startswith("«") and stripped.endswith("»"):
        return f"{stripped} {marks}"
    return f"« {text} » {marks}"


QUESTION_ECHO = "Question : « {question} »"
READ_AS = "Compris comme : « {question} »"
SHARED_BY = "Partagé par <@{user_id}>"
MORE_SOURCES = "et {count} autre(s) source(s)"

BUTTON_SHARE = "Partager dans le canal"
BUTTON_MORE = "Plus de résultats"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
FEEDBACK_THANKS = "Merci pour votre retour !"
FEEDBACK_UP_LABEL = "Cette réponse m’a aidé"
FEEDBACK_DOWN_LABEL = "Cette réponse ne m’a pas aidé"
FEEDBACK_MODAL_TITLE = "Votre avis"
FEEDBACK_MODAL_SUBMIT = "Envoyer"
FEEDBACK_MODAL_CLOSE = "Annuler"
FEEDBACK_MODAL_QUESTION = "Qu’est-ce qui n’allait pas ?"
FEEDBACK_MODAL_COMMENT = "Un commentaire ? (facultatif)"
FEEDBACK_MODAL_ABOUT = "Question : « {question} »"
# Reasons a 👎 can give: stored by key (outcomes table, `openai-deals report`), shown in French.
FEEDBACK_REASONS = {
    "wrong": "Pas la bonne réponse",
    "incomplete": "Incomplète",
    "outdated": "Source dépassée",
    "other": "Autre",
}
FEEDBACK_REASON_REQUIRED = "Choisissez une raison."

# The message shortcut « Demander à openai-deals » (manifest: features.shortcuts).
SHORTCUT_NAME = "Demander à openai-deals"
SHORTCUT_DESCRIPTION = "Poser le texte de ce message comme question (réponse visible de vous seul)"
SHORTCUT_NO_TEXT = (
    "Ce message n’a pas de texte à poser comme question. Essayez sur un message qui en a, "
    "ou tapez `/openai-deals` suivi de votre question."
)

# The assistant pane (Agents & AI Apps).
ASSISTANT_WELCOME = (
    "Bonjour ! Je réponds aux questions sur les partenariats de l’IA, avec des extraits "
    "cités d’articles de presse. Posez votre question, ou choisissez-en une ci-dessous."
)
ASSISTANT_PROMPTS_TITLE = "Par exemple :"
ASSISTANT_STATUS = "Je cherche dans les articles…"
# Suggested prompts, built from the deals the articles report: one per partnership, worded
# after the kind of its first deal (DealKind values); {giver} first for money.
ASSISTANT_PROMPTS = {
    "investment": "Combien {giver} a-t-il investi dans {receiver} ?",
    "stake": "Quelle participation {giver} a-t-il obtenue dans {receiver} ?",
    "licence": "Quelle licence lie {giver} et {receiver} ?",
    "cloud_exclusivity": "Quel fournisseur cloud lie {giver} et {receiver} ?",
    "hire": "Pourquoi {giver} a-t-il embauché {receiver} ?",
    "release": "Qu’a lancé {giver} ?",
}
ASSISTANT_PROMPT_DEAL = "Quel accord lie {giver} et {receiver} ?"
ASSISTANT_PROMPT_ONE = "Qu’a annoncé {giver} ?"

# `openai-deals report`
REPORT_TITLE = "Questions posées depuis le {since} (UTC)"
REPORT_VOLUME = "Questions : {questions} ({surfaces})"
REPORT_ABSTENTION = "Sans réponse : {abstained} ({rate} %)"
REPORT_UNANSWERED_TITLE = "Questions sans réponse les plus fréquentes, par terme commun :"
REPORT_GROUP = "  {term} — {count} question(s)"
REPORT_NONE = "  aucune"
REPORT_VOTES = "Avis : {up} 👍, {down} 👎"
REPORT_DOWN = "  👎 {at} — « {question} »"
REPORT_REASON = "raison"
REPORT_COMMENT = "commentaire"
REPORT_NO_REASON = "non précisée"
REPORT_SENTENCE_GONE = "(phrase absente du corpus actuel)"
REPORT_SINCE_INVALID = (
    "--since attend une durée comme 7d (jours), 24h (heures) ou 2w (semaines), pas « {value} »."
)
REPORT_DATABASE_FAILED = "Impossible de lire la base {where} : {error}. Vérifiez DATABASE_URL."

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
    "READER": (
        "doit valoir default (le lecteur fourni), none (sans lecteur) ou le dossier d’un "
        "lecteur (qui contient reader.json)"
    ),
    "SLACK_API_TIMEOUT": "doit être un nombre de secondes, plus grand que 0 et au plus 120",
    "SLACK_RETRY_BACKOFF": "doit être un nombre de secondes, de 0 à 30",
    "ANSWER_WORKERS": "doit être un nombre entier de 1 à 512",
    "ANSWER_BACKLOG": "doit être un nombre entier de 1 à 1000000",
    "OUTCOMES_RETENTION_DAYS": "doit être un nombre entier de jours, de 1 à 3650",
    "MAX_REQUEST_BYTES": "doit être un nombre d’octets, de 1024 à 67108864 (64 Mio)",
    "SOCKET_MODE_PING_INTERVAL": "doit être un nombre de secondes, plus grand que 0 et au plus 60",
    "EMBEDDINGS": "doit valoir use, e5 ou none",
    "TOP_K": K_EXPECTED,
    "LOG_LEVEL": "doit valoir DEBUG, INFO, WARNING, ERROR ou CRITICAL",
    "ADMIN_USER_IDS": (
        "doit être une liste d’identifiants de membres Slack séparés par des virgules, "
        "par exemple U012AB3CDE,W0ABC12"
    ),
    "SLACK_SCOPES": (
        "doit être une liste de permissions du bot séparées par des virgules, par exemple "
        "chat:write,commands ; laissez-la vide pour celles des manifestes"
    ),
    "FETCH_ALLOW_PRIVATE": (
        "doit valoir true, false, ou une liste d’adresses ou de réseaux séparés par des "
        "virgules, par exemple 127.0.0.1,10.0.0.0/8"
    ),
    "FETCH_MAX_BYTES": "doit être un nombre d’octets, au moins 1000",
    "FETCH_TIMEOUT_SECONDS": "doit être un nombre de secondes, plus grand que 0 et au plus 300",
    "FETCH_MAX_REDIRECTS": "doit être un nombre entier de 0 à 20",
}
# ADMIN_USER_IDS and FETCH_ALLOW_PRIVATE refused by their own validators (SettingProblem).
ADMIN_USER_IDS_REFUSED = (
    "ce ne sont pas des identifiants de membres Slack : {ids}. Donnez des identifiants tels "
    "que U012AB3CDE, séparés par des virgules (profil Slack > ⋮ > Copier l’ID de membre)."
)
FETCH_ALLOW_PRIVATE_REFUSED = (
    "mettez true, false, ou une liste d’adresses ou de réseaux séparés par des virgules, "
    "par exemple 127.0.0.1,10.0.0.0/8."
)
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
        "dans .env (voir README.md, section Slack in five minutes)."
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
    "SLACK_CLIENT_ID": (
        "L’installation dans plusieurs espaces de travail demande le Client ID et le Client "
        "Secret de la page Basic Information > App Credentials : mettez les deux dans .env, ou "
        "aucun des deux pour servir un seul espace de travail avec SLACK_BOT_TOKEN."
    ),
    "SLACK_CLIENT_SECRET": (
        "L’installation dans plusieurs espaces de travail demande le Client ID et le Client "
        "Secret de la page Basic Information > App Credentials : mettez les deux dans .env, ou "
        "aucun des deux pour servir un seul espace de travail avec SLACK_BOT_TOKEN."
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
# `openai-deals index --prune`: one line per thing removed, then the total.
PRUNED_WHY = {
    "version": "ancienne version de l’index",
    "temporary": "fichier temporaire d’une écriture interrompue",
    "legacy": "fichier d’une version précédente d’openai-deals",
    "model": "fichiers d’une autre version du modèle, inutilisés depuis 30 jours",
    "corpus": "index d’un autre corpus, inutilisé depuis 30 jours",
}
PRUNED_LINE = "Supprimé : {path} ({why}, {size})"
PRUNED_NOTHING = "Rien à supprimer : le cache ne contient que ce qui sert."
PRUNED_TOTAL = "{count} supprimés, {size} libérés."
PRUNED_TOTAL_ONE = "1 élément supprimé, {size} libérés."
INTERRUPTED = "Interrompu."
INDEX_NOT_SAVED = (
    "L’index n’a pas pu être enregistré dans {path} : vérifiez que ce dossier peut être créé "
    "et écrit, ou choisissez-en un autre avec --index-dir ou INDEX_DIR."
)

# == The terminal, first hour: waiting, help texts, argparse, sources, chart, report, serve ====
# (kept together, apart from the sections above, so that each stays easy to find and merge)

# The first question builds the index: say what the wait is for.
INDEX_FIRST_BUILD = "Première utilisation : je prépare l’index des {articles}…"
INDEX_REBUILD = "Les articles ont changé : je mets à jour l’index des {articles}…"
PROGRESS_ARTICLES = "articles lus"
PROGRESS_SENTENCES = "phrases encodées"


def index_building(articles: int, first: bool) -> str:
    """What the terminal prints while it builds the index of ``articles`` files
    (``first``: no index was ever saved there)."""
    counted = "de l’article" if articles == 1 else f"{articles} articles"
    template = INDEX_FIRST_BUILD if first else INDEX_REBUILD
    # "l’index des 1 article" reads wrong: "l’index de l’article".
    return template.format(articles=counted).replace("des de l’", "de l’")


# Without -v, log records are not shown; a problem met on the way is one French line.
LOG_PROBLEM = "Attention : un incident a été noté en chemin ; relancez avec -v pour le détail."
INDEX_NOT_SAVED_WARNING = (
    "Attention : l’index n’a pas pu être enregistré dans {path} ({reason}) : je réponds "
    "quand même, mais il sera reconstruit à chaque appel. Choisissez un dossier où écrire "
    "avec --index-dir ou INDEX_DIR."
)

# A question longer than the engine reads.
QUESTION_CUT = (
    "Votre question dépasse {limit} caractères : je n’en ai lu que le début, jusqu’à « …{end} »."
)


def question_cut(question: str, limit: int) -> str:
    """The note above the answer to a question cut to its first ``limit`` characters."""
    end = " ".join(question.split()[-6:])
    return QUESTION_CUT.format(limit=f"{limit:_}".replace("_", "\u202f"), end=end)


# `openai-deals sources`
SOURCES_TERMINAL_TITLE = "Mes sources : {count} article(s)"

# `openai-deals --help` and each command's help.
CLI_DESCRIPTION = (
    "Répond aux questions en français sur les partenariats de l’IA par des extraits "
    "d’articles de presse cités."
)
CLI_EPILOG = "Détail d’une commande : openai-deals COMMANDE --help"
CLI_HELP = {
    "help": "afficher cette aide et quitter",
    "version": "afficher la version et quitter",
    "verbose": "afficher aussi le journal (en anglais) sur la sortie d’erreur",
    "corpus": "dossier des articles (CORPUS_DIR)",
    "index_dir": "dossier du cache de l’index (INDEX_DIR)",
    "commands": "commandes",
    "ask": "répondre à une question (ou à une question par ligne de l’entrée standard)",
    "ask_question": "la question ; sans elle, une question par ligne de l’entrée standard",
    "ask_json": "écrire du JSON (un objet par ligne)",
    "ask_k": f"nombre d’extraits, de {MIN_K} à {MAX_K} (par défaut TOP_K)",
    "index": "(re)construire l’index en cache des articles",
    "index_jobs": "nombre de processus spaCy",
    "index_force": "reconstruire même si le cache est à jour",
    "index_prune": "puis supprimer ce que le cache n’utilise plus, en le disant",
    "add": (
        "ajouter un article (adresse web, page .html enregistrée ou fichier .txt) au "
        "dossier CORPUS_DIR et mettre l’index à jour"
    ),
    "add_description": (
        "Lit un article, l’écrit dans le corpus sous le nom <date>-<nom>.md et met l’index à "
        "jour. Le corpus doit être votre propre dossier (CORPUS_DIR ou --corpus), pas celui "
        "des articles fournis ; --init y copie d’abord ces derniers."
    ),
    "add_source": "une adresse http(s), une page .html enregistrée ou un fichier .txt",
    "add_title": "le titre de l’article (par défaut : lu dans la source)",
    "add_date": "la date de publication, AAAA-MM-JJ (par défaut : lue dans la source)",
    "add_publisher": "le média, par exemple « Le Monde » (par défaut : le nom du site)",
    "add_force": "remplacer l’article s’il est déjà là",
    "add_init": "copier d’abord les articles fournis dans le corpus",
    "remove": (
        "retirer un article du corpus (par son identifiant, que donne « sources ») et mettre "
        "l’index à jour ; un bot en marche cesse de le citer en quelques secondes"
    ),
    "remove_id": "l’identifiant de l’article, par exemple 2025-10-14-…",
    "eval": "mesurer la recherche sur un fichier de questions JSONL (rapport en anglais)",
    "eval_file": "les questions, au format de eval/tune.jsonl",
    "eval_json": "écrire le rapport en JSON",
    "eval_distractors": (
        "mesurer aussi sur ce corpus : les articles plus d’autres sans rapport "
        "(fait par bench/distractors.py)"
    ),
    "deals": "la chronologie des accords que rapportent les articles",
    "deals_json": "écrire la chronologie en JSON",
    "deals_plot": "dessiner la chronologie dans un fichier .png, .jpg, .svg ou .pdf (matplotlib)",
    "sources": "la liste des articles : identifiant, date, titre, source",
    "report": ("ce que les gens ont demandé au bot Slack, et ce qui est resté sans réponse"),
    "report_since": "période : 7d (jours), 24h (heures), 2w (semaines) ; par défaut 7d",
    "report_json": "écrire le rapport en JSON",
    "serve": "lancer le bot Slack (Socket Mode, ou --http)",
    "serve_http": "mode HTTP, sur /slack/events",
    "serve_port": "port HTTP (par défaut PORT)",
}
CLI_NOT_AN_INTEGER = "« {value} » n’est pas un nombre entier"
CLI_NOT_A_PORT = "« {value} » n’est pas un numéro de port (de 1 à 65535)"
# argparse's own words (its gettext message ids, Python 3.10 to 3.13), in French.
ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": CLI_HELP["help"],
    "show program's version number and exit": CLI_HELP["version"],
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "il faut l’un des arguments %s",
    "not allowed with argument %s": "incompatible avec l’argument %s",
    "ignored explicit argument %r": "valeur %r inattendue, ignorée",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "unexpected option string: %s": "option inattendue : %s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (possibles : %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "impossible d’ouvrir « %(filename)s » : %(error)s",
}
CLI_ERROR_HINT = "Aide : openai-deals --help, ou openai-deals COMMANDE --help"

# `openai-deals deals --plot FILE`
PLOT_NEEDS_MATPLOTLIB_IN = (
    "Le graphique demande matplotlib, qui n’est pas installé. Installez-le dans "
    "l’environnement d’openai-deals : {python} -m pip install matplotlib"
)
PLOT_FOLDER_MISSING = (
    "Le dossier {folder} n’existe pas : créez-le, ou choisissez un autre chemin pour le graphique."
)
PLOT_FORMAT_UNKNOWN = (
    "Je ne sais pas dessiner dans un fichier « {suffix} » : choisissez un nom qui finit "
    "par {formats}."
)
PLOT_NOT_WRITTEN = "Impossible d’écrire {path} ({reason}) : choisissez un autre chemin."
PLOT_CHART_TITLE = "Accords rapportés par les articles"
PLOT_AXIS_AMOUNT = "montant annoncé (dollars, échelle logarithmique)"
PLOT_ROW_AMOUNTS = "montants"
PLOT_ROW_EVENTS = "autres accords"
PLOT_LEGEND_FACT = "fait annoncé"
PLOT_LEGEND_REPORTED = "non confirmé (rumeur, « aurait »)"
PLOT_LEGEND_EVENT = "accord sans montant (licence, lancement, embauche…)"
PLOT_LEGEND_PERIOD = "période couverte"


def dollars_fr(value: float) -> str:
    """An axis tick in dollars: 1e8 → "100 M$", 1e10 → "10 Md$"."""
    for size, unit in ((1e9, "Md$"), (1e6, "M$"), (1e3, "k$")):
        if value >= size:
            return f"{value / size:g} {unit}".replace(".", ",")
    return f"{value:g} $"


# `openai-deals report`, before the bot has recorded anything.
REPORT_NOTHING_YET = (
    "Rien à montrer pour l’instant : aucune question n’a encore été enregistrée dans "
    "{where}. Le bot Slack (openai-deals serve) les enregistre dès la première."
)

# `openai-deals serve` with a value still copied from .env.example.
SETTING_EXAMPLE_VALUE = (
    "Configuration invalide : {name} contient encore la valeur d’exemple de .env.example "
    "(« {value} »). {what}"
)


def setting_example_value(name: str, value: str) -> str:
    """One line for a Slack value (``SLACK_BOT_TOKEN``…) still holding .env.example's
    placeholder (which is no secret, so it is shown)."""
    return SETTING_EXAMPLE_VALUE.format(name=name, value=value, what=SLACK_SETTING_HELP[name])


# -- The corpus (terminal: `openai-deals index`, errors of every command) ----------------------
CORPUS_FORMAT_HINT = "voir le format dans openai_deals/corpus/README.md"
READER_UNUSABLE = (
    "Le lecteur de {path} ne peut pas être chargé ({reason}). Réinstallez openai-deals, ou "
    "mettez READER=none pour répondre sans lui."
)
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
        "la date « {value} » doit être une date qui existe, de la forme AAAA, AAAA-MM ou AAAA-MM-JJ"
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
        "les articles doivent être directement dans le dossier du corpus, pas dans un sous-dossier"
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

# -- Installing in several workspaces (OAuth: /slack/install, /slack/oauth_redirect) ----------
OAUTH_NEEDS_HTTP = (
    "Configuration invalide : l’installation dans plusieurs espaces de travail "
    "(SLACK_CLIENT_ID et SLACK_CLIENT_SECRET) passe par le mode HTTP : lancez "
    "`openai-deals serve --http` ou gunicorn (voir docs/operations.md)."
)
SERVE_DATABASE_UNREACHABLE = (
    "Impossible de joindre la base de données des installations ({url}) : {reason}. "
    "Vérifiez DATABASE_URL et que le serveur répond, puis relancez."
)
INSTALL_PAGE_TITLE = "openai-deals"
INSTALL_SUCCESS = (
    "openai-deals est installé dans {team}. Mentionnez @openai-deals dans un canal où vous "
    "l’avez invité, ou écrivez-lui en message direct."
)
INSTALL_FAILED = (
    "L’installation n’a pas abouti ({reason}). Recommencez depuis le lien d’installation ; "
    "si cela persiste, prévenez l’équipe qui gère le bot."
)
INSTALL_UNAVAILABLE = (
    "L’installation est momentanément indisponible. Réessayez dans quelques minutes ; si cela "
    "persiste, prévenez l’équipe qui gère le bot."
)

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


def partnership_label(parties: Sequence[str]) -> str:
    """ "Microsoft – OpenAI"."""
    return PARTNERSHIP_JOINER.join(parties)


def deal_term(term: DealTerm) -> str:
    """ "investissement : 1 milliard de dollars", "licence exclusive : GPT-3"."""
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
    """ "✅ fait", "❔ non confirmé, selon Semafor"."""
    status = DEAL_REPORTED if deal.reported else DEAL_FACT
    if deal.attribution:
        status += ", " + DEAL_ATTRIBUTION.format(sources=_enumerate_fr(deal.attribution))
    return status


# -- Adding an article (`openai-deals add`, `/openai-deals ajouter <url>`) ---------------------
# Words that, first after the command, ask to add the article at the URL that follows.
ADD_WORDS = frozenset({"ajouter", "ajoute", "add"})

FETCH_REFUSALS = {
    FetchProblem.BAD_URL: (
        "« {url} » n’est pas une adresse web complète : donnez l’adresse de l’article avec "
        "http:// ou https://, telle que l’affiche votre navigateur."
    ),
    FetchProblem.BAD_SCHEME: (
        "Je ne récupère que des pages web en http:// ou https://, pas en {scheme}://. "
        "Donnez l’adresse web de l’article."
    ),
    FetchProblem.PRIVATE_ADDRESS: (
        "Je ne récupère pas de page sur une adresse privée ou locale ({host} → {address}). "
        "Donnez l’adresse publique de l’article."
    ),
    FetchProblem.UNREACHABLE: (
        "Je n’ai pas pu joindre {host}. Vérifiez l’adresse, ou réessayez plus tard."
    ),
    FetchProblem.TIMEOUT: (
        "Le site n’a pas répondu en moins de {seconds}. Réessayez plus tard, ou "
        "enregistrez la page (.html) et ajoutez le fichier."
    ),
    FetchProblem.HTTP_STATUS: (
        "Le site a répondu par une erreur (HTTP {status}) pour {url}. "
        "Vérifiez l’adresse dans un navigateur."
    ),
    FetchProblem.TOO_MANY_REDIRECTS: (
        "Cette adresse redirige plus de {limit} fois de suite. Donnez directement l’adresse "
        "de l’article, celle qu’affiche votre navigateur une fois la page ouverte."
    ),
    FetchProblem.REDIRECT_LOOP: (
        "Cette adresse redirige en boucle (retour à {url}). Vérifiez-la dans un navigateur "
        "et donnez l’adresse de l’article une fois la page ouverte."
    ),
    FetchProblem.NOT_HTML: (
        "Cette adresse ne mène pas à une page web ({content_type}) : je n’ajoute que des "
        "articles en HTML. Pour un autre format, copiez le texte dans un fichier .txt et "
        "ajoutez ce fichier."
    ),
    FetchProblem.TOO_LARGE: (
        "La page dépasse {limit} : j’ai arrêté de la lire. Copiez le texte de l’article dans "
        "un fichier .txt et ajoutez ce fichier."
    ),
}

ADD_REFUSALS = {
    AddProblem.UNSUPPORTED_SOURCE: (
        "Je ne sais pas lire « {source} » : donnez une adresse http(s)://, une page "
        "enregistrée (.html) ou un fichier texte (.txt)."
    ),
    AddProblem.FILE_NOT_FOUND: "Fichier introuvable : {path}.",
    AddProblem.FILE_UNREADABLE: (
        "Impossible de lire {path} : vérifiez qu’il s’agit d’un fichier texte en UTF-8 que "
        "vous avez le droit de lire."
    ),
    AddProblem.BAD_DATE: (
        "Date illisible : « {value} ». Écrivez-la AAAA-MM-JJ (par exemple 2025-10-14), "
        "AAAA-MM ou AAAA."
    ),
    AddProblem.NO_TEXT: (
        "Je n’ai trouvé presque aucun texte d’article ({words} mots) : est-ce bien la page "
        "d’un article ? Sinon, copiez son texte dans un fichier .txt et ajoutez ce fichier."
    ),
    AddProblem.CORPUS_MISSING: (
        "Le dossier d’articles {path} n’existe pas. Créez-le, ou ajoutez --init pour le créer "
        "avec les articles fournis (puis ajouter le vôtre)."
    ),
    AddProblem.CORPUS_NOT_WRITABLE: (
        "Impossible d’écrire dans le dossier {path}. Choisissez un dossier où vous avez le "
        "droit d’écrire, avec CORPUS_DIR ou --corpus."
    ),
    AddProblem.CORPUS_BUSY: (
        "Un autre ajout d’article est en cours dans {path} depuis plus de {seconds} secondes. "
        "Réessayez dans un moment."
    ),
}
ADD_MISSING = "Introuvable dans {where} : {fields}. Ajoutez {options} à la commande."
ADD_MISSING_SLACK = (
    "Introuvable dans la page : {fields}. Ajoutez cet article depuis le terminal, en les "
    "précisant : `openai-deals add ADRESSE {options}`."
)
ADD_MISSING_FIELDS = {"title": "le titre", "date": "la date", "source": "la source"}
ADD_MISSING_OPTIONS = {
    "title": '--title "…"',
    "date": "--date AAAA-MM-JJ",
    "source": '--source "…"',
}
ADD_DUPLICATE = (
    "Cet article est déjà dans le corpus : « {title} » ({path}, {why}). "
    "Ajoutez --force pour le remplacer."
)
ADD_DUPLICATE_SLACK = (
    "Cet article est déjà dans mes sources : « {title} » ({why}). Je n’ai rien changé."
)
ADD_DUPLICATE_WHY = {"url": "même adresse", "text": "texte identique à {percent} %"}
ADD_BUNDLED_CORPUS = (
    "Les articles fournis avec openai-deals ({path}) ne se modifient pas : ils peuvent être en "
    "lecture seule et sont remplacés à chaque mise à jour. Choisissez votre propre dossier "
    "d’articles, par exemple : openai-deals --corpus ~/openai-deals-corpus add --init SOURCE "
    "(--init y copie d’abord les articles fournis), ou réglez CORPUS_DIR."
)
ADD_BUNDLED_CORPUS_SLACK = (
    "Je lis les articles fournis avec le programme, que je ne peux pas modifier. Pour que "
    "je puisse en ajouter, la personne qui gère le bot doit régler CORPUS_DIR sur un dossier "
    "modifiable (voir « openai-deals add » dans le README)."
)
ADD_CORPUS_SLACK = (
    "Je ne peux pas écrire dans mon dossier d’articles ({path}) : il n’existe pas ou n’est "
    "pas modifiable. Prévenez la personne qui gère le bot (réglage CORPUS_DIR)."
)
ADD_INIT_DONE = "{count} article(s) fourni(s) copié(s) dans {path}."
ADD_INIT_NOTHING = "{path} contient déjà les articles fournis : rien à copier."
ADD_NEEDS_SOURCE = (
    "Indiquez l’article à ajouter : une adresse http(s)://, une page enregistrée (.html) ou "
    "un fichier texte (.txt). Exemple : openai-deals add https://www.exemple.fr/article"
)

# What `openai-deals add` read, so that the person can check it.
ADD_READ_TITLE = "Lu : « {title} »"
ADD_READ_DATE = "  date : {date}"
ADD_READ_SOURCE = "  source : {source}"
ADD_READ_URL = "  adresse : {url}"
ADD_READ_TEXT = "  texte : {paragraphs} paragraphe(s), {words} mots — « {start} »"
ADD_WRITTEN = "Écrit : {path}"
ADD_REPLACED = "Remplace : {paths}"
ADD_INDEXED = (
    "Index à jour : {sentences} phrase(s) de cet article, {total} en tout ; "
    "{analysed} article(s) analysé(s), {embedded} phrase(s) encodée(s)."
)
ADD_INDEXED_NO_ARTICLE = (
    "Attention : l’article est écrit mais l’index n’en a gardé aucune phrase ({problem})."
)

# Slack: `/openai-deals ajouter <url>`
ADD_NOT_ADMIN = (
    "Désolé, seules les personnes qui administrent le bot peuvent ajouter des articles. "
    "Si un article vous semble manquer, signalez-le-leur ; en attendant, posez-moi vos "
    "questions avec `/openai-deals votre question`."
)
ADD_USAGE = (
    "Pour ajouter un article, donnez son adresse : "
    "`/openai-deals ajouter https://www.exemple.fr/article`"
)
ADD_STARTED = (
    "Je récupère {url} et je l’ajoute à mes sources… Je vous réponds ici dès que c’est fait."
)
ADD_DONE = (
    "Article ajouté : *{title}* — {date}{source}. {sentences} phrase(s) indexée(s) : "
    "vous pouvez déjà me poser vos questions dessus."
)
ADD_DONE_REPLACED = "Il remplace : {titles}."
ADD_FAILED = (
    "Désolé, l’ajout de cet article a échoué. Réessayez dans un instant ; si cela persiste, "
    "prévenez l’équipe qui gère le bot."
)


def pruned_line(path, size: int, why: str) -> str:
    """One thing `index --prune` removed."""
    return PRUNED_LINE.format(path=path, why=PRUNED_WHY[why], size=_rounded_size_fr(size))


def pruned_total(count: int, size: int) -> str:
    """What `index --prune` removed in all."""
    if not count:
        return PRUNED_NOTHING
    if count == 1:
        return PRUNED_TOTAL_ONE.format(size=_rounded_size_fr(size))
    return PRUNED_TOTAL.format(count=f"{count} éléments", size=_rounded_size_fr(size))


def _rounded_size_fr(size: int) -> str:
    # Two significant figures are all a reader needs: 79 Mo, 5,6 Mo, 840 ko.
    if size < 1_000:
        return "moins d’1 ko"
    if size >= 1_000_000:
        return size_fr(int(float(f"{size:.2g}")) if size < 10_000_000 else round(size, -6))
    return size_fr(int(float(f"{size:.2g}")))


def size_fr(size: int) -> str:
    """5_000_000 -> "5 Mo", 1_500 -> "1,5 ko"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} Mo".replace(".", ",")
    return f"{size / 1_000:g} ko".replace(".", ",")


def seconds_fr(seconds: float) -> str:
    """15.0 -> "15 secondes", 1 -> "1 seconde", 0.5 -> "0,5 seconde"."""
    unit = "seconde" if seconds < 2 else "secondes"
    return f"{seconds:g} {unit}".replace(".", ",")


def day_label_fr(date: str) -> str:
    """ "2025-10-14" -> "14 octobre 2025", "2025-10" -> "octobre 2025", "2025" -> "2025"."""
    parts = date.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        return month_label_fr(date)
    day = int(parts[2])
    return f"{'1er' if day == 1 else day} {MONTHS_FR[int(parts[1]) - 1]} {int(parts[0])}"


def fetch_refusal(error: FetchRefused) -> str:
    """Why a URL was not fetched, and what to do."""
    details = dict(error.details)
    if "limit" in details and error.problem is FetchProblem.TOO_LARGE:
        details["limit"] = size_fr(int(details["limit"]))  # type: ignore[call-overload]
    if "seconds" in details:
        details["seconds"] = seconds_fr(float(details["seconds"]))  # type: ignore[arg-type]
    if error.problem is FetchProblem.NOT_HTML:
        kind = details.get("content_type")
        details["content_type"] = f"type {kind}" if kind else "type non précisé"
    return FETCH_REFUSALS[error.problem].format(url=error.url, **details)


def add_refusal(error: AddRefused, *, slack: bool = False) -> str:
    """Why an article was not added, and what to do (``slack``: the bot's wording, which
    cannot point to command-line options)."""
    details = error.details
    if error.problem is AddProblem.MISSING_FIELDS:
        fields = tuple(details["fields"])  # type: ignore[arg-type]
        names = _enumerate_fr([ADD_MISSING_FIELDS[f] for f in fields])
        options = " ".join(ADD_MISSING_OPTIONS[f] for f in fields)
        if slack:
            return ADD_MISSING_SLACK.format(fields=names, options=options)
        where = "le texte" if details.get("plain") else "la page"
        return ADD_MISSING.format(where=where, fields=names, options=options)
    if error.problem is AddProblem.DUPLICATE:
        reason = str(details["reason"])
        percent = round(100 * float(details.get("similarity", 1.0)))  # type: ignore[arg-type]
        why = ADD_DUPLICATE_WHY[reason].format(percent=percent)
        template = ADD_DUPLICATE_SLACK if slack else ADD_DUPLICATE
        return template.format(title=details["title"], path=details["path"], why=why)
    if error.problem is AddProblem.BUNDLED_CORPUS:
        return ADD_BUNDLED_CORPUS_SLACK if slack else ADD_BUNDLED_CORPUS.format(**details)
    if error.problem is AddProblem.NO_TEXT and details.get("plain"):
        return ADD_TEXT_TOO_SHORT.format(words=details["words"], minimum=details["minimum"])
    if slack and error.problem in (AddProblem.CORPUS_MISSING, AddProblem.CORPUS_NOT_WRITABLE):
        return ADD_CORPUS_SLACK.format(path=details["path"])
    return ADD_REFUSALS[error.problem].format(**details)


def refusal(error: FetchRefused | AddRefused, *, slack: bool = False) -> str:
    """The message for a refused fetch or a refused article."""
    if isinstance(error, FetchRefused):
        return fetch_refusal(error)
    return add_refusal(error, slack=slack)


# -- Adding articles and the Slack timeline ---------------------------------------------------

# A .txt whose text, once its title, date and source lines are read, is too short: the person
# wrote the file, so the advice is about its content, never "make a .txt of it".
ADD_TEXT_TOO_SHORT = (
    "Ce texte est trop court pour un article : {words} mots, il en faut au moins {minimum} "
    "(sans le titre, la date ni la source). Copiez-y l’article en entier, pas seulement son "
    "titre ou un extrait, puis ajoutez de nouveau le fichier."
)

# The deals timeline opens with one line per partnership (who, the latest move, how much),
# then the detail, paged.
DEALS_OVERVIEW_TITLE = "*En bref*, un partenariat par ligne :"
DEALS_OVERVIEW_LINE = "• *{who}* — {date} : {latest} {status}"
DEALS_OVERVIEW_MONEY = " — dernier montant : {amount} ({date}) {status}"
DEALS_OVERVIEW_MORE = "… et {count} autre(s) partenariat(s), dans le détail ci-dessous."
DEALS_OVERVIEW_FACT = "✅"
DEALS_OVERVIEW_REPORTED = "❔"
DEALS_DETAIL_TITLE = "*Le détail*, du plus ancien au plus récent :"
# The chart uploaded with the timeline, in a direct message with the bot.
DEALS_CHART_TITLE = "Chronologie des accords (graphique)"
DEALS_CHART_ALT = (
    "Graphique des accords rapportés par les articles : un couloir par partenariat, le temps "
    "de gauche à droite, les montants en hauteur."
)

# -- Removing an article, one corpus for every process ---------------------------------------
# `openai-deals remove ARTICLE_ID`, `/openai-deals retirer ARTICLE_ID` (admins).
REMOVE_WORDS = frozenset({"retirer", "retire", "remove"})
REMOVE_NOT_ADMIN = (
    "Désolé, seules les personnes qui administrent le bot peuvent retirer des articles. "
    "Si un article vous semble faux ou en trop, signalez-le-leur."
)
REMOVE_USAGE = (
    "Pour retirer un article, donnez son identifiant (affiché par `/openai-deals sources`) : "
    "`/openai-deals retirer 2025-10-14-mistral-ai-leve-1-2-milliard`"
)
REMOVE_BUNDLED_CORPUS_SLACK = (
    "Je ne retire rien des articles fournis avec le bot. Pour gérer mes sources, la personne "
    "qui gère le bot doit régler CORPUS_DIR sur un dossier à elle."
)
REMOVE_NOT_FOUND = (
    "Aucun article n’a l’identifiant « {article_id} ». `/openai-deals sources` affiche les "
    "identifiants."
)
REMOVE_NOT_FOUND_TERMINAL = (
    "Aucun article n’a l’identifiant « {article_id} ». Les identifiants sont les noms de "
    "fichier sans .md écrits par `openai-deals add` ; `/openai-deals sources` les affiche."
)
REMOVE_DONE = "Article retiré : *{title}* ({article_id}). Je n’en tiens plus compte."
ADD_WRITTEN_DATABASE = "Enregistré dans la base (DATABASE_URL) : {article_id}"
REMOVE_DONE_TERMINAL = "Article retiré : « {title} » ({article_id})."
REMOVE_INDEXED = "Index à jour : {articles} article(s), {sentences} phrase(s)."
REMOVE_NEEDS_ID = "Donnez l’identifiant de l’article à retirer : openai-deals remove ARTICLE_ID"
REMOVE_BUNDLED_CORPUS = (
    "Je ne retire rien des articles fournis ({path}) : indiquez votre propre dossier avec "
    "CORPUS_DIR ou --corpus."
)
REMOVE_FAILED = (
    "Désolé, le retrait de cet article a échoué. Réessayez dans un instant ; si cela persiste, "
    "prévenez l’équipe qui gère le bot."
)
# `/openai-deals sources`: each article's id, to remove it by.
SOURCES_ID = " — `{article_id}`"
SETTING_EXPECTED["CORPUS_POLL_SECONDS"] = (
    "doit être un nombre de secondes, plus grand que 0 et au plus 300"
)
