"""The WSGI entry point for production HTTP mode.

Any WSGI server can serve ``openai_deals.slack.wsgi:app``; the Procfile's ``web`` process
serves it through gunicorn's event-loop worker (``openai_deals.slack.asgi``), which no slow
client can hold up.

Importing this module reads the settings, loads the corpus and checks the bot token (the same
start-up as ``openai-deals serve --http``), so run gunicorn with ``--preload``: that happens
once, in the master, and a bad value stops start-up with one line naming the variable instead
of workers failing in a loop. Several workers (``WEB_CONCURRENCY``, or ``--workers`` seen by
the hook of ``gunicorn_conf.py``) need ``REDIS_URL`` to share the memory of handled messages;
without it a warning names the setting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from openai_deals.live_corpus import start_all
from openai_deals.logs import configure_logging
from openai_deals.settings import SettingsError, load_settings
from openai_deals.slack.redis_state import warn_if_not_shared, web_concurrency
from openai_deals.slack.server import StartupError, create_wsgi_app

try:
    settings = load_settings()
    configure_logging(settings.log_level)
    logging.getLogger(__name__).info("%s", settings.describe_source())
    _routes = create_wsgi_app(settings)
    warn_if_not_shared(web_concurrency(), settings.redis_url, "WEB_CONCURRENCY")
except SettingsError as exc:
    raise SystemExit(f"openai-deals: {exc}") from None
except StartupError as exc:
    raise SystemExit(f"openai-deals: {exc}") from None


def app(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The WSGI app. Each process follows the corpus version from its first request on, for
    servers without gunicorn_conf's ``post_fork`` hook (a check of the process id, once
    started)."""
    start_all()
    return _routes(environ, start_response)
