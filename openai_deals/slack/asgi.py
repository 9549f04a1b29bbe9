"""The Procfile's ``web`` process: gunicorn's event-loop worker in front of the WSGI app.

``gunicorn -c python:openai_deals.slack.gunicorn_conf --preload --worker-class asgi …
openai_deals.slack.asgi:app``. Importing this module starts the app as ``wsgi.py`` does.

Why not gunicorn's threads (``gthread``): a connection held one of its 8 threads from its
first byte until its whole body had arrived, so 8 clients sending 1 byte a second stopped
every acknowledgement (``bench/slack_load.py --scenario slow-clients``). Here gunicorn's
event loop reads the headers, :class:`BufferedBody` reads the body (at most
``MAX_REQUEST_BYTES`` + 1 bytes), and only then is the request handed to one of
``WSGI_THREADS`` threads (a2wsgi's pool), which runs the request gate and Bolt: a slow
client costs a coroutine and a socket, never a thread. gunicorn closes a connection whose
body stops arriving for ``--timeout`` seconds (30).
"""

from __future__ import annotations

from a2wsgi import WSGIMiddleware

from openai_deals.slack import wsgi
from openai_deals.slack.asgi_body import BufferedBody

# Threads running the gate and Bolt (the acknowledgement only: answers run on the answer pool).
# As many as gunicorn's --threads were; they never wait on a client now.
WSGI_THREADS = 8

app = BufferedBody(
    WSGIMiddleware(wsgi.app, workers=WSGI_THREADS), limit=wsgi.settings.max_request_bytes
)
