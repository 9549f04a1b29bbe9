"""Installing the app in several workspaces: Bolt's OAuth flow, installations in SQL.

On when ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set (HTTP mode). Then:

* ``GET /slack/install`` sends the browser to Slack's authorisation page
  (``slack.com/oauth/v2/authorize``) with a one-time ``state``, kept in the database and in a
  cookie, so that the redirect can only finish an installation this server started;
* ``GET /slack/oauth_redirect`` exchanges the code for the workspace's bot token
  (``oauth.v2.access``, through ``SLACK_API_BASE_URL`` like every other Web API call) and
  stores the installation;
* every request from a workspace is answered with that workspace's token, looked up by Bolt's
  ``InstallationStoreAuthorize``;
* ``app_uninstalled`` / ``tokens_revoked`` delete the workspace's installation (the purge
  registered in ``Answerer.workspace_purges``, run by ``listeners/events/uninstall.py``).

Installations and states live in slack_sdk's own tables (``slack_installations``,
``slack_bots``, ``slack_oauth_states``) on the one engine of ``openai_deals.database``: a
SQLite file by default, PostgreSQL in production. Without a client id and secret the app
serves one workspace with ``SLACK_BOT_TOKEN``, as before.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

import sqlalchemy
from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from openai_deals import messages as m
from openai_deals.database import database_engine
from openai_deals.settings import SLACK_BOT_SCOPES, Settings

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What the installation asks for unless SLACK_SCOPES says otherwise (settings.py keeps it).
BOT_SCOPES = SLACK_BOT_SCOPES
STATE_EXPIRATION_SECONDS = 600  # an installer has ten minutes to click "Allow"
# The loggers slack_sdk's state store and Bolt's OAuth flow (App's logger) write to.
SDK_LOGGER = "openai_deals.slack.install.sdk"
BOLT_LOGGER = "slack_bolt.App"


class HideOAuthValues(logging.Filter):
    """Replace the one-time OAuth values in slack_sdk's and Bolt's messages by ``(hidden)``.

    Against this module's promise, slack_sdk logs ``Failed to find any persistent data for
    state: <state>`` (and each state row at DEBUG), Bolt ``… oauth.v2.access result with code:
    <code>``. A filter on the loggers they write to, so no handler ever sees the values.
    """

    _VALUES = re.compile(r"(\b(?:state|code): |'state': ')[^\s']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = self._VALUES.sub(r"\1(hidden)", message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def _hide_oauth_values(*names: str) -> logging.Logger:
    """The logger of the first name; each named logger gets a :class:`HideOAuthValues`."""
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(f, HideOAuthValues) for f in target.filters):
            target.addFilter(HideOAuthValues())
    return logging.getLogger(names[0])


@dataclass
class Installations:
    """The OAuth settings Bolt needs, and the store of installations behind them."""

    oauth_settings: OAuthSettings
    store: SQLAlchemyInstallationStore

    def delete_workspace(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete the workspace's installation and bot token (a ``WorkspacePurge``)."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        logger.info("Deleted the installation (enterprise=%s, team=%s)", enterprise_id, team_id)


def installations(settings: Settings) -> Installations:
    """Bolt's ``OAuthSettings`` on the SQL stores of ``settings.resolved_database_url``.

    The tables are created if missing (idempotent; two processes starting at once may race,
    then the loser finds them made).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database cannot be reached.
    """
    if not settings.oauth_enabled:
        raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are both needed")
    engine = database_engine(settings.resolved_database_url)
    sdk_logger = _hide_oauth_values(SDK_LOGGER, BOLT_LOGGER)
    store = SQLAlchemyInstallationStore(
        client_id=settings.slack_client_id or "", engine=engine, logger=logger
    )
    state_store = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=sdk_logger
    )
    for tables in (store, state_store):
        try:
            tables.create_tables()
        except sqlalchemy.exc.IntegrityError:
            # PostgreSQL: another process created the same table at the same moment.
            tables.create_tables()
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # Straight to Slack's page: no English "Add to Slack" page of Bolt's in between.
        install_page_rendering_enabled=False,
        callback_options=CallbackOptions(success=_success_page, failure=_failure_page),
        installation_store=store,
        state_store=state_store,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=logger,
    )
    return Installations(oauth_settings, store)


def _page(status: int, text: str) -> BoltResponse:
    body = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(m.INSTALL_PAGE_TITLE)}</title></head>"
        f"<body><p>{html.escape(text)}</p></body></html>"
    )
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )


def _success_page(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    logger.info(
        "Installed (enterprise=%s, team=%s, bot_user=%s, scopes=%s)",
        installation.enterprise_id,
        installation.team_id,
        installation.bot_user_id,
        ",".join(installation.bot_scopes or ()),
    )
    team = installation.team_name or installation.enterprise_name or "votre espace de travail"
    return _page(200, m.INSTALL_SUCCESS.format(team=team))


def _failure_page(args: FailureArgs) -> BoltResponse:
    # The reason is Bolt's code (invalid_state, invalid_code, access_denied…); never the
    # code or the state themselves.
    logger.warning(
        "Installation failed: %s (HTTP %d)%s",
        args.reason,
        args.suggested_status_code,
        f" ({type(args.error).__name__})" if args.error else "",
        exc_info=args.error,
    )
    return _page(args.suggested_status_code, m.INSTALL_FAILED.format(reason=args.reason))


def unavailable_page() -> BoltResponse:
    """What the installer sees when the flow itself broke (the database is down…)."""
    return _page(503, m.INSTALL_UNAVAILABLE)
