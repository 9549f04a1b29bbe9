"""The engine a long-running process answers from, replaced whole when the corpus grows.

A running bot must answer from an article added a minute ago without a restart, and never
from half an index. :class:`LiveEngine` holds the current :class:`Engine`; ``swap`` puts a
freshly loaded one in its place under a lock. A question reads ``.engine`` once and answers
from that engine to the end, so every answer comes from one complete index, old or new.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai_deals.retrieval.answering.engine import Engine
    from openai_deals.retrieval.indexing.index import Index
    from openai_deals.retrieval.model import Answer, Article


class LiveEngine:
    """Holds the current engine; answers with it (the ``answer``/``articles``/``index`` of
    the engine it holds at the time of the call).

    Args:
        engine: the engine to answer from until the first ``swap``.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self.generation = 0  # how many swaps so far

    @property
    def engine(self) -> Engine:
        """The engine answering now."""
        with self._lock:
            return self._engine

    def swap(self, engine: Engine) -> Engine:
        """Answer from ``engine`` from now on; return the engine it replaces."""
        with self._lock:
            old, self._engine = self._engine, engine
            self.generation += 1
            return old

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer:
        """``Engine.answer`` of the current engine."""
        return self.engine.answer(question, k=k, offset=offset)

    def contextualise(self, previous: str | None, follow_up: str) -> str:
        """``Engine.contextualise`` of the current engine."""
        return self.engine.contextualise(previous, follow_up)

    @property
    def articles(self) -> tuple[Article, ...]:
        """The current engine's articles."""
        return self.engine.articles

    @property
    def index(self) -> Index:
        """The current engine's index."""
        return self.engine.index
