"""gunicorn's configuration for the Procfile's ``web`` process.

``gunicorn -c python:openai_deals.slack.gunicorn_conf … openai_deals.slack.asgi:app``. The
worker count stays on the command line (``--workers N``) or in ``WEB_CONCURRENCY`` (gunicorn's
default); this module only adds a check once the master knows it: several workers without
``REDIS_URL`` each keep their own memory of handled messages, which a warning says.
"""

from __future__ import annotations

from typing import Any

from openai_deals.settings import SettingsError, load_settings
from openai_deals.slack.redis_state import warn_if_not_shared


def when_ready(server: Any) -> None:
    """gunicorn hook, in the master once it listens: warn if the workers cannot share state."""
    try:
        settings = load_settings()
    except SettingsError:
        return  # the app's own start-up (wsgi.py) already reported it
    warn_if_not_shared(server.cfg.workers, settings.redis_url, "gunicorn --workers")


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in each worker just forked: watch the corpus version from this worker
    (the master's threads do not survive the fork; ``--preload`` loaded the engine before)."""
    from openai_deals.live_corpus import start_all

    start_all()
