"""Build the Bolt app: a thin factory, no network call until the first request."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.live_corpus import CorpusFollower
from openai_deals.outcomes import OutcomeStore
from openai_deals.retrieval.answering.live import LiveEngine
from openai_deals.retrieval.deals.overview import Overview
from openai_deals.settings import Settings, SettingsError
from openai_deals.slack.add_article import ArticleAdder
from openai_deals.slack.answerer import AnswerEngine, Answerer, log_unexpected_error
from openai_deals.slack.conversations import KnownQuestions, ThreadQuestions
from openai_deals.slack.dedup import DuplicateMemory, SeenKeys
from openai_deals.slack.install import installations
from openai_deals.slack.listeners import register_listeners
from openai_deals.slack.pool import AnswerPool
from openai_deals.slack.redis_state import shared_state
from openai_deals.slack.remove_article import ArticleRemover
from openai_deals.slack.retries import retry_handlers
from openai_deals.slack.threads import BotThreads, KnownThreads

logger = logging.getLogger(__name__)


def is_example_value(value: str) -> bool:
    """True for a placeholder copied from ``.env.example`` (``xoxb-...``): a prefix and an
    ellipsis, which no real token is. Slack would only refuse it after a network round trip."""
    return value.strip().endswith(("...", "…"))


def check_slack_settings(settings: Settings, http: bool | None = None) -> None:
    """Fail fast, naming the variable and what to do, if a Slack value is missing.

    Args:
        settings: the loaded settings.
        http: True for HTTP mode (needs the signing secret), False for Socket Mode (needs the
            app-level token), None to check only what every mode needs (the bot token).

    Raises:
        SettingsError: one French line naming the missing variable.
    """
    for name, value in (
        ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        ("SLACK_APP_TOKEN", settings.slack_app_token),
    ):
        if value and is_example_value(value):
            raise SettingsError(m.setting_example_value(name, value))
    if settings.slack_client_id and not settings.slack_client_secret:
        raise SettingsError(m.setting_missing("SLACK_CLIENT_SECRET"))
    if settings.slack_client_secret and not settings.slack_client_id:
        raise SettingsError(m.setting_missing("SLACK_CLIENT_ID"))
    if settings.oauth_enabled:
        # Several workspaces: each one's token comes from its installation (slack/install.py),
        # and installing goes through /slack/install, which only HTTP mode serves.
        if http is False:
            raise SettingsError(m.OAUTH_NEEDS_HTTP)
    elif not settings.slack_bot_token:
        raise SettingsError(m.setting_missing("SLACK_BOT_TOKEN"))
    if http is True and not settings.slack_signing_secret:
        raise SettingsError(m.setting_missing("SLACK_SIGNING_SECRET"))
    if http is False and not settings.slack_app_token:
        raise SettingsError(m.setting_missing("SLACK_APP_TOKEN"))


def configure_web_client(client: WebClient, settings: Settings) -> WebClient:
    """Point ``client`` at ``SLACK_API_BASE_URL``, with an explicit timeout
    (``SLACK_API_TIMEOUT``) and the retries of ``openai_deals.slack.retries``
    (``SLACK_RETRY_BACKOFF``) instead of slack_sdk's defaults; return it."""
    client.base_url = settings.slack_api_base_url
    client.timeout = settings.slack_api_timeout
    client.retry_handlers = retry_handlers(settings.slack_retry_backoff)
    return client


def open_outcome_store(settings: Settings) -> OutcomeStore | None:
    """The store of question outcomes on ``DATABASE_URL``; None (logged) if it cannot be
    opened: the bot then answers without keeping outcomes rather than not at all."""
    try:
        return OutcomeStore.from_settings(settings)
    except Exception:
        logger.exception("Cannot open the question outcome store; outcomes will not be kept")
        return None


def create_app(
    settings: Settings,
    engine: AnswerEngine,
    *,
    seen: DuplicateMemory | None = None,
    threads: BotThreads | None = None,
    corpus: CorpusFollower | None = None,
) -> App:
    """Build the Slack app around ``engine``.

    Every listener acknowledges in the request's own thread (``process_before_response``: an
    acknowledgement never waits for a free worker) and leaves the answer to a pool of
    ``ANSWER_WORKERS`` threads with at most ``ANSWER_BACKLOG`` answers pending.

    Args:
        settings: needs ``SLACK_BOT_TOKEN``, or ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``
            to install in several workspaces (``slack/install.py``); ``SLACK_SIGNING_SECRET``
            for HTTP mode; with ``REDIS_URL`` the two memories below, and each conversation's
            last question (``conversations``), live in Redis.
        engine: answers questions (``retrieval.answering.engine.Engine`` or anything alike); held in
            a ``LiveEngine`` so that an added article's rebuilt engine can replace it.
        seen: the memory of answered messages; default Redis with ``REDIS_URL``, else a fresh
            in-memory ``SeenKeys``.
        threads: the memory of the threads the bot answered in; default Redis with
            ``REDIS_URL``, else a fresh in-memory ``KnownThreads``.
        corpus: the follower that loaded ``engine`` (``server.start``); default one for the
            settings' corpus, taking ``engine`` as its current version. Its thread is not
            started here (gunicorn forks after this): ``CorpusFollower.start``.

    Raises:
        SettingsError: ``SLACK_BOT_TOKEN`` is missing (and OAuth is off).
    """
    check_slack_settings(settings)
    questions: ThreadQuestions | None = None
    assistant_threads: BotThreads | None = None
    if settings.redis_url:
        shared = shared_state(settings.redis_url)
        seen = shared.seen if seen is None else seen
        threads = shared.threads if threads is None else threads
        questions = shared.questions
        assistant_threads = shared.assistant_threads
    distribution = installations(settings) if settings.oauth_enabled else None
    # The token goes to App itself, never with a ``client=``: Bolt also reads SLACK_BOT_TOKEN
    # from the environment, and given both it warns that the token "will be unused". Its own
    # client (``app.client``, copied for every request) is then configured here.
    app = App(
        name="openai-deals",
        # Several workspaces: no token of its own, Bolt finds each workspace's installation.
        token=None if distribution else settings.slack_bot_token,
        oauth_settings=distribution.oauth_settings if distribution else None,
        signing_secret=settings.slack_signing_secret or "",
        # auth.test is then called on the first request instead of here.
        token_verification_enabled=False,
        # The listeners filter out the bot's own messages themselves (and log each one they
        # skip), along with edits and other bots: one rule, visible in slack/questions.py.
        ignoring_self_events_enabled=False,
        # Listeners only acknowledge and submit work to the answer pool: run them inline.
        process_before_response=True,
    )
    # The same client exchanges OAuth codes (oauth.v2.access) and checks tokens for Bolt's
    # authorization: SLACK_API_BASE_URL applies to them too.
    configure_web_client(app.client, settings)
    live = engine if isinstance(engine, LiveEngine) else LiveEngine(engine)  # type: ignore[arg-type]
    # An engine without an index (a stand-in in tests) has no timeline to show.
    index = getattr(live, "index", None)
    overview = Overview.of(index) if index is not None else Overview()
    answerer = Answerer(
        live,
        k=settings.top_k,
        seen=seen or SeenKeys(),
        threads=threads or KnownThreads(),
        questions=questions or KnownQuestions(),
        assistant_threads=assistant_threads or KnownThreads(),
        pool=AnswerPool(settings.answer_workers, settings.answer_backlog),
        timeout=settings.slack_api_timeout,
        retry_backoff=settings.slack_retry_backoff,
        overview=overview,
        outcomes=open_outcome_store(settings),
    )
    if answerer.outcomes is not None:
        answerer.workspace_purges.append(answerer.outcomes.purge_workspace)
    if corpus is None:
        corpus = CorpusFollower.from_settings(settings)
        corpus.version = corpus.articles.version()  # ``engine`` is taken as the current one
    answerer.corpus = corpus
    corpus.follow(answerer.follow)
    answerer.adder = ArticleAdder(settings, answerer)
    answerer.remover = ArticleRemover(settings, answerer, answerer.adder)
    if distribution is not None:
        answerer.workspace_purges.append(distribution.delete_workspace)
    register_listeners(app, answerer)
    app.error(log_unexpected_error)
    return app
