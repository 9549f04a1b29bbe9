"""Where answers run: a fixed set of threads after the acknowledgement, with a bounded backlog.

Slack wants an acknowledgement within 3 seconds; an answer may wait seconds on a slow Slack.
So listeners only *submit* work here and acknowledge at once: the request thread (or Socket
Mode worker) never waits on Slack or on the engine. ``submit`` never blocks either: when
``backlog`` answers are already waiting or running it returns False, and the caller refuses the
request quickly instead of queueing without end.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class AnswerPool:
    """``workers`` daemon threads running submitted callables, at most ``backlog`` at a time.

    Args:
        workers: threads answering (they mostly wait on Slack's Web API).
        backlog: answers waiting or running at most; ``submit`` refuses more.
    """

    def __init__(self, workers: int, backlog: int) -> None:
        if workers < 1 or backlog < 1:
            raise ValueError("workers and backlog must be at least 1")
        self.workers = workers
        self.backlog = backlog
        self._queue: queue.Queue[tuple[Callable[..., None], tuple]] = queue.Queue()
        self._slots = threading.BoundedSemaphore(backlog)
        self._pending = 0
        self._idle = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def submit(self, work: Callable[..., None], *args: object) -> bool:
        """Run ``work(*args)`` on a worker thread; False, at once, if the backlog is full.

        ``work`` should handle its own errors; anything it raises is logged with its traceback.
        """
        if not self._slots.acquire(blocking=False):
            return False
        self._start_threads()
        with self._idle:
            self._pending += 1
        self._queue.put((work, args))
        return True

    @property
    def pending(self) -> int:
        """Answers waiting or running."""
        with self._idle:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending (at most ``timeout`` seconds); True if idle."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True

    def _start_threads(self) -> None:
        if self._threads:
            return
        with self._start_lock:
            if self._threads:
                return
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"answer-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            work, args = self._queue.get()
            try:
                work(*args)
            except Exception:
                logger.exception("Unexpected error in %s", getattr(work, "__name__", work))
            finally:
                self._slots.release()
                with self._idle:
                    self._pending -= 1
                    if not self._pending:
                        self._idle.notify_all()
