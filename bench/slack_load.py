"""Load and fault script for the Slack app (a script, not a unit test).

Runs the app exactly as the Procfile's ``web`` process does (gunicorn's event-loop worker on
``openai_deals.slack.asgi:app``, bound to 127.0.0.1), against the local Web API stand-in of
``tests/slack/slack_standin.py``. Everything stays on 127.0.0.1.

N signed requests (mentions 40 %, direct messages 30 %, slash commands 30 %; 10 % of N are
Slack retries of an earlier mention or DM, same ``event_id`` and ``X-Slack-Retry-Num``) are sent
by C concurrent clients (``--rounds R``: R times over, to the same app). Scenarios:

* ``normal``: Slack answers every call at once.
* ``slow``: 30 % of posts (``chat.postMessage`` and ``response_url``) take 5 s.
* ``failing``: 30 % of post attempts fail transiently (HTTP 500, HTTP 429 ``Retry-After: 1``,
  or HTTP 200 ``ok: false, ratelimited`` ``Retry-After: 1``, in equal shares); a failing post
  recovers after at most two failed attempts (transient).
* ``two-workers-redis``: Slack answers at once; gunicorn runs two worker processes sharing a
  real ``redis-server`` (``REDIS_URL``, started on a free 127.0.0.1 port for the run), so a
  retry landing on the other worker is still recognised.
* ``two-workers-no-redis``: the same two workers, each with its own memory: what Redis
  prevents (the retries that land on the other worker are answered twice).
* ``slow-clients``: ``--slow-clients`` connections (50) hold the server for ``--slow-seconds``
  (20 s), half of them sending their headers and half their body at 1 byte a second (a body
  whose ``Content-Length`` is larger than what they ever send), reconnecting whenever the
  server closes them; meanwhile the N signed requests are sent one every
  ``--probe-interval`` seconds (0.25 s), each of which must still be acked within 3 s.

The other scenarios run one worker. ``--web "COMMAND"`` runs another server command instead of
the Procfile's (``$PORT`` is replaced), to measure alternatives.

Every run gets its own temporary ``HOME``, data, cache and config folders and its own
``DATABASE_URL``: nothing is written to the user's real folders.

Printed per scenario: sent; acked (HTTP 200 within 3 s); ack p50/p99/max; questions answered
exactly once, lost, duplicated; errors (no 200 ack, or a failed request); how many askers were
told of a lost answer; tracebacks in the app's log; RSS of the gunicorn worker before (after
warm-up) and after (everything answered; after each round too), and its peak.

    python bench/slack_load.py                      # N=2000, C=50, every scenario
    python bench/slack_load.py --requests 200 --clients 10 --scenario slow
    python bench/slack_load.py --scenario slow-clients --requests 80

Bounded: each scenario stops once every answer arrived, or after ``--settle`` seconds without
progress, or ``--max-wait`` seconds in all.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "slack"))
sys.path.insert(1, str(ROOT / "tests"))

from slack_payloads import (  # noqa: E402  (the stand-in lives with the tests)
    SIGNING_SECRET,
    app_mention,
    direct_message,
    event_callback,
    signed_headers,
    slash_command,
)
from slack_standin import BOT_USER_ID, Fault, MockSlack  # noqa: E402

ACK_DEADLINE = 3.0  # Slack's
POSTS = ("chat.postMessage", "response_url")
QUESTIONS = (
    "Combien Google a-t-il investi dans Anthropic ?",
    "Combien Microsoft a-t-il investi dans OpenAI ?",
    "Pourquoi Sam Altman a-t-il été évincé d’OpenAI ?",
    "Quels modèles ouverts OpenAI a-t-il publiés ?",
    "Qui a écrit Les Misérables ?",
)


# -- Scenarios: what the stand-in does with each post -----------------------------------------


class Slow:
    """30 % of posts take 5 s."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.lock = rng, threading.Lock()

    def __call__(self, method: str, params: dict) -> Fault | None:
        if method not in POSTS:
            return None
        with self.lock:
            slow = self.rng.random() < 0.3
        return Fault(delay=5.0) if slow else None


class Failing:
    """30 % of post attempts fail transiently; one post fails at most twice in a row."""

    FAULTS = (
        Fault(500, json.dumps({"ok": False, "error": "internal_error"})),
        Fault(429, json.dumps({"ok": False, "error": "ratelimited"}), {"Retry-After": "1"}),
        Fault(200, json.dumps({"ok": False, "error": "ratelimited"}), {"Retry-After": "1"}),
    )

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.lock = rng, threading.Lock()
        self.failures: dict[str, int] = {}

    def __call__(self, method: str, params: dict) -> Fault | None:
        if method not in POSTS:
            return None
        post = json.dumps([method, params.get("channel"), params.get("thread_ts"),
                           params.get("text", "")[:80]])  # fmt: skip
        with self.lock:
            failed = self.failures.get(post, 0)
            if failed >= 2 or self.rng.random() >= 0.3:
                return None
            self.failures[post] = failed + 1
            fault = self.rng.choice(self.FAULTS)
        if method == "response_url" and fault.status == 200:
            return self.FAULTS[0]  # a response_url answers "ok", not JSON: fail it with a 500
        return fault


SCENARIOS = {
    "normal": lambda rng: None,
    "slow": Slow,
    "failing": Failing,
    "two-workers-redis": lambda rng: None,
    "two-workers-no-redis": lambda rng: None,
    "slow-clients": lambda rng: None,
}
WORKERS = {"two-workers-redis": 2, "two-workers-no-redis": 2}  # gunicorn --workers; else 1
WITH_REDIS = {"two-workers-redis"}


# -- Requests ---------------------------------------------------------------------------------


@dataclass
class Request:
    kind: str  # mention, dm, command
    key: str  # how its answer is recognised among the stand-in's calls
    content_type: str
    body: str
    retry: bool = False


@dataclass
class Result:
    acks: list[float] = field(default_factory=list)  # seconds, HTTP 200 only
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_TIMESTAMPS = itertools.count(1)


def build_requests(n: int, slack: MockSlack, rng: random.Random, tag: str) -> list[Request]:
    originals: list[Request] = []
    n_retries = n // 10
    for i in range(n - n_retries):
        question = QUESTIONS[i % len(QUESTIONS)]
        stamp = f"1800000000.{next(_TIMESTAMPS):06d}"  # unique across calls: it names the answer
        roll = rng.random()
        if roll < 0.4:
            ts = stamp
            event = app_mention(f"<@{BOT_USER_ID}> {question}", ts=ts)
            event["channel"] = f"C{tag}{i:06d}"
            body = json.dumps(event_callback(event, event_id=f"Ev{tag}{i:06d}"))
            originals.append(Request("mention", f"thread:{ts}", "application/json", body))
        elif roll < 0.7:
            channel = f"D{tag}{i:06d}"
            event = direct_message(question, ts=stamp)
            event["channel"] = channel
            body = json.dumps(event_callback(event, event_id=f"Ev{tag}{i:06d}"))
            originals.append(Request("dm", f"channel:{channel}", "application/json", body))
        else:
            name = f"{tag}{i:06d}"
            command = slash_command(question, slack.response_url(name))
            form = urlencode(command)
            form_type = "application/x-www-form-urlencoded"
            originals.append(Request("command", f"path:/response/{name}", form_type, form))
    events = [r for r in originals if r.kind != "command"]
    order: list[Request] = list(originals)
    for original in rng.sample(events, min(n_retries, len(events))):
        position = order.index(original)
        retry = Request(original.kind, original.key, original.content_type, original.body, True)
        order.insert(rng.randint(position + 1, len(order)), retry)
    return order


def answer_key(call) -> str | None:
    if call.method == "response_url":
        return f"path:{call.path}"
    if call.method == "chat.postMessage":
        thread = call.params.get("thread_ts")
        return f"thread:{thread}" if thread else f"channel:{call.params.get('channel')}"
    return None


# -- Clients ----------------------------------------------------------------------------------


def client(port: int, queue: list[Request], queue_lock: threading.Lock, result: Result) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        with queue_lock:
            if not queue:
                break
            request = queue.pop()
        headers = {"Content-Type": request.content_type, **signed_headers(request.body)}
        if request.retry:
            headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        started = time.monotonic()
        try:
            connection.request("POST", "/slack/events", request.body.encode(), headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with result.lock:
                result.failures += 1
            continue
        elapsed = time.monotonic() - started
        with result.lock:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                result.acks.append(elapsed)
    connection.close()


# -- Slow clients -----------------------------------------------------------------------------


class SlowClients:
    """``count`` connections that each send one byte a second for ``seconds`` seconds: even
    ones drip their request headers, odd ones send whole headers, then drip a body whose
    ``Content-Length`` is larger than what they will ever send. A connection the server
    closes is opened again (an attacker would), and counted."""

    BODY_LENGTH = 4000  # bytes announced, never all sent

    def __init__(self, port: int, count: int, seconds: float, kind: str = "both") -> None:
        self.port, self.count, self.seconds = port, count, seconds
        self.stop = threading.Event()
        self.reconnects = 0
        self.lock = threading.Lock()
        bodies = {"both": lambda i: i % 2 == 1, "headers": lambda i: False, "body": lambda i: True}
        self.threads = [
            threading.Thread(target=self._drip, args=(bodies[kind](i),), daemon=True)
            for i in range(count)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
        time.sleep(1.5)  # every connection is open and has started before the probes

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(5)

    def _opening(self, body: bool) -> tuple[bytes, bytes]:
        """What is sent at once, and what is then sent one byte a second."""
        head = f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        rest = (
            "Content-Type: application/json\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\n"
            "X-Slack-Signature: v0=slow\r\n"
            f"Content-Length: {self.BODY_LENGTH}\r\n\r\n"
        )
        if body:
            return (head + rest).encode(), b"{" + b" " * self.BODY_LENGTH
        return head.encode(), rest.encode()

    def _drip(self, body: bool) -> None:
        deadline = time.monotonic() + self.seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    first, slow = self._opening(body)
                    sock.sendall(first)
                    for i in range(len(slow)):
                        if self.stop.wait(1.0) or time.monotonic() >= deadline:
                            return
                        sock.sendall(slow[i : i + 1])
            except OSError:
                pass
            with self.lock:
                self.reconnects += 1
            self.stop.wait(0.2)


def run_probes(port: int, queue: list[Request], interval: float) -> Result:
    """Send ``queue`` one request every ``interval`` seconds, each on its own connection and
    thread, so that one slow ack does not delay the next probe."""
    result = Result()
    lock = threading.Lock()
    threads = []
    for request in queue:
        one = [request]
        thread = threading.Thread(target=client, args=(port, one, lock, result))
        thread.start()
        threads.append(thread)
        time.sleep(interval)
    for thread in threads:
        thread.join(35)
    return result


# -- The app under test -----------------------------------------------------------------------


def procfile_web_command(port: int, workers: int = 1, web: str | None = None) -> list[str]:
    """The Procfile's web command (or ``web``), on ``port``, bound to 127.0.0.1, with this
    Python and ``workers`` worker processes."""
    if web is None:
        lines = (ROOT / "Procfile").read_text().splitlines()
        web = next((ln.removeprefix("web:") for ln in lines if ln.startswith("web:")), None)
        if web is None:
            raise SystemExit("no web process in the Procfile")
    args = shlex.split(web.replace("$PORT", str(port)))
    args = [a.replace("0.0.0.0", "127.0.0.1") for a in args]
    if args[0] == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "--workers", str(workers), *args[1:]]
    return [str(Path(sys.executable).with_name(args[0])), *args[1:]]


def own_folders(home: Path) -> dict[str, str]:
    """Environment variables giving the app a home, data, cache and config folders of its own
    under ``home``, and a database there: the user's real ones are never written."""
    folders = {
        "HOME": home,
        "XDG_DATA_HOME": home / "data",
        "XDG_CACHE_HOME": home / "cache",
        "XDG_CONFIG_HOME": home / "config",
        "XDG_STATE_HOME": home / "state",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        **{name: str(folder) for name, folder in folders.items()},
        "DATABASE_URL": f"sqlite:///{home / 'data' / 'openai-deals.sqlite3'}",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pid(master: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                return int(entry.name)
    return None


def memory_mib(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_healthy(port: int, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become healthy")


def wait_answered(slack: MockSlack, keys: set[str], settle: float, max_wait: float) -> float:
    """Wait until every key has a delivered answer, or no progress for ``settle`` seconds."""
    started = last_progress = time.monotonic()
    answered = 0
    while time.monotonic() - started < max_wait:
        with slack._cond:
            delivered = {answer_key(c) for c in slack.calls if c.delivered}
        now_answered = len(keys & delivered)
        if now_answered == len(keys):
            break
        if now_answered > answered:
            answered, last_progress = now_answered, time.monotonic()
        elif time.monotonic() - last_progress > settle:
            break
        time.sleep(0.5)
    time.sleep(2.0)  # let stragglers (a duplicate would be one) arrive
    return time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_scenario(name: str, n: int, c: int, seed: int, index_dir: Path, args) -> dict:
    if name not in WITH_REDIS:
        return _run_scenario(name, n, c, seed, index_dir, args, redis_url=None)
    from servers import RedisServer  # the tests' real redis-server, on a free 127.0.0.1 port

    with tempfile.TemporaryDirectory(prefix="slack-load-redis-") as directory:
        redis = RedisServer(Path(directory))
        redis.start()
        try:
            return _run_scenario(name, n, c, seed, index_dir, args, redis_url=redis.url)
        finally:
            redis.stop()


def _run_scenario(
    name: str, n: int, c: int, seed: int, index_dir: Path, args, redis_url: str | None
) -> dict:
    rng = random.Random(seed)
    if name == "slow-clients":  # every request is sent while the slow clients hold on
        n = min(n, max(1, int((args.slow_seconds - 2) / args.probe_interval)))
    slack = MockSlack(policy=SCENARIOS[name](random.Random(seed + 1)))
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"slack-load-{name}-", suffix=".log")[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "XDG_"))}
    env.update(own_folders(Path(tempfile.mkdtemp(prefix=f"slack-load-{name}-home-"))))
    env.update(
        SLACK_BOT_TOKEN="xoxb-load",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE_URL=slack.api_url,
        INDEX_DIR=str(index_dir),
        LOG_LEVEL="INFO",
        PORT=str(port),
        PYTHONPATH=str(ROOT),
    )
    for unset in ("REDIS_URL", "WEB_CONCURRENCY", "CORPUS_DIR", "PSEUDONYM_KEY"):
        env.pop(unset, None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    workers = WORKERS.get(name, 1)
    with log.open("w") as out:
        process = subprocess.Popen(
            procfile_web_command(port, workers, args.web), env=env, cwd=env["HOME"],
            stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        wait_healthy(port, process, log)
        worker = worker_pid(process.pid) or process.pid  # a one-process server: itself
        # Warm-up: a few answered questions, so that "before" is the app at work, not cold.
        warm = build_requests(20, slack, rng, "W")
        warm = [r for r in warm if not r.retry]
        run_clients(port, list(warm), min(c, 10))
        wait_answered(slack, {r.key for r in warm}, settle=30, max_wait=60)
        rss_before = memory_mib(worker, "VmRSS") if worker else float("nan")
        slack.reset()

        requests: list[Request] = []
        result = Result()
        rss_rounds = []
        reconnects = 0
        started = time.monotonic()
        for round_number in range(args.rounds):
            batch = build_requests(n, slack, rng, f"L{round_number}-")
            requests += batch
            if name == "slow-clients":
                attack = SlowClients(port, args.slow_clients, args.slow_seconds, args.slow_kind)
                attack.start()
                try:
                    sent = run_probes(port, batch, args.probe_interval)
                finally:
                    attack.close()
                reconnects += attack.reconnects
            else:
                sent = run_clients(port, list(reversed(batch)), c)
            result.acks += sent.acks
            result.failures += sent.failures
            for status, count in sent.statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
            wait_answered(slack, {r.key for r in batch}, args.settle, args.max_wait)
            rss_rounds.append(round(memory_mib(worker, "VmRSS"), 1) if worker else None)
        total_seconds = time.monotonic() - started
        keys = {r.key for r in requests}
        rss_after = memory_mib(worker, "VmRSS") if worker else float("nan")
        rss_peak = memory_mib(worker, "VmHWM") if worker else float("nan")
        with slack._cond:
            calls = list(slack.calls)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        slack.close()

    counts: dict[str, int] = {}
    for call in calls:
        key = answer_key(call)
        if call.delivered and key is not None:
            counts[key] = counts.get(key, 0) + 1
    once = sum(1 for k in keys if counts.get(k) == 1)
    lost = sum(1 for k in keys if not counts.get(k))
    duplicated = sum(1 for k in keys if counts.get(k, 0) > 1)
    acks = result.acks
    text = log.read_text(errors="replace")
    return {
        "scenario": name,
        "workers": workers,
        "redis": bool(redis_url),
        "retries": sum(1 for r in requests if r.retry),
        "sent": len(requests),
        "questions": len(keys),
        "acked": sum(1 for a in acks if a < ACK_DEADLINE),
        "p50": percentile(acks, 50),
        "p99": percentile(acks, 99),
        "max": max(acks, default=float("nan")),
        "once": once,
        "lost": lost,
        "duplicated": duplicated,
        "errors": len(requests) - len(acks),  # no HTTP 200, or the request itself failed
        "statuses": result.statuses,
        "told": sum(1 for call in calls if call.method == "chat.postEphemeral"),
        "tracebacks": text.count("Traceback"),
        "slow_clients": args.slow_clients if name == "slow-clients" else 0,
        "slow_reconnects": reconnects,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "rss_peak": rss_peak,
        "rss_after_each_round": rss_rounds,
        "total_s": total_seconds,
        "log": str(log),
    }


def run_clients(port: int, queue: list[Request], c: int) -> Result:
    result = Result()
    lock = threading.Lock()
    threads = [threading.Thread(target=client, args=(port, queue, lock, result)) for _ in range(c)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def table(rows: list[dict]) -> str:
    lines = [
        "| scenario | sent | acked 200 < 3 s | ack p50 / p99 / max (s) | answered once | lost "
        "| duplicated | errors | RSS before → after (peak), MiB | all answered after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['sent']} | {r['acked']} | "
            f"{r['p50']:.3f} / {r['p99']:.3f} / {r['max']:.3f} | "
            f"{r['once']} / {r['questions']} | {r['lost']} | {r['duplicated']} | {r['errors']} | "
            f"{r['rss_before']:.0f} → {r['rss_after']:.0f} ({r['rss_peak']:.0f}) | "
            f"{r['total_s']:.0f} s |"
        )
    return "\n".join(lines)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", "-n", type=int, default=2000)
    parser.add_argument("--clients", "-c", type=int, default=50)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=1, help="send N requests this many times to one app"
    )
    parser.add_argument("--settle", type=float, default=60.0, help="stop after this long idle")
    parser.add_argument("--max-wait", type=float, default=900.0, help="stop after this long")
    parser.add_argument("--slow-clients", type=int, default=50, help="slow-clients: how many")
    parser.add_argument(
        "--slow-seconds", type=float, default=20.0, help="slow-clients: for how long"
    )
    parser.add_argument(
        "--slow-kind",
        choices=["both", "headers", "body"],
        default="both",
        help="slow-clients: what they drip (both: half headers, half body)",
    )
    parser.add_argument(
        "--probe-interval", type=float, default=0.25, help="slow-clients: seconds between requests"
    )
    parser.add_argument("--web", help="server command instead of the Procfile's ($PORT: its port)")
    parser.add_argument("--index-dir", type=Path, help="INDEX_DIR (default: a temporary one)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # stop gunicorn on the way out, as on Ctrl+C
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    rows = []
    with tempfile.TemporaryDirectory(prefix="slack-load-index-") as temporary:
        index_dir = args.index_dir or Path(temporary)
        for name in names:
            row = run_scenario(name, args.requests, args.clients, args.seed, index_dir, args)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print(table(rows))
    ok = all(
        r["acked"] == r["sent"] and r["lost"] == 0 and r["duplicated"] == 0 and not r["errors"]
        for r in rows
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
