"""The engine a running bot answers from is replaced whole, while it keeps answering."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from web_standin import ARTICLE_TEXT

from openai_deals.retrieval.answering.engine import Engine, load_engine
from openai_deals.retrieval.answering.live import LiveEngine
from openai_deals.retrieval.ingestion.add import add_to_corpus
from openai_deals.retrieval.ingestion.sources import read_source
from openai_deals.retrieval.model import Status

CORPUS = Path(__file__).resolve().parents[3] / "openai_deals" / "corpus"
QUESTION = "Combien Schneider Electric a-t-il investi dans Mistral AI ?"


def test_questions_asked_during_swaps_get_whole_answers(engine: Engine, tmp_path):
    """While the old and the grown engine are swapped in and out, every answer comes from
    one of them: the old one abstains, the grown one cites the new article."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    add_to_corpus(read_source(str(ARTICLE_TEXT)), corpus)
    grown = load_engine(corpus, tmp_path / "index", embeddings="none")
    live = LiveEngine(engine)
    outcomes: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                answer = live.answer(QUESTION, k=3)
                texts = " ".join(s.text for s in answer.snippets)
                if answer.status is Status.NOT_FOUND:
                    outcomes.append("old")
                elif "400 millions d’euros" in texts:
                    outcomes.append("new")
                else:
                    outcomes.append(f"mixed: {answer.status} {texts[:80]}")
        except BaseException as exc:  # reported below, with the assertion
            failures.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    swaps = 0
    deadline = time.monotonic() + 60  # a loaded machine answers slowly: swap until both seen
    while (swaps < 40 or len(set(outcomes)) < 2) and time.monotonic() < deadline:
        assert live.swap(grown) is engine
        time.sleep(0.05)
        assert live.swap(engine) is grown
        time.sleep(0.05)
        swaps += 2
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not failures
    assert set(outcomes) == {"old", "new"}
    assert live.generation == swaps and live.engine is engine
    assert live.articles == engine.articles and live.index is engine.index
