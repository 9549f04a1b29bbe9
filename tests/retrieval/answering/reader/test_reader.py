"""The reader stage: the shipped weights load and read, another format is refused, the
policy's three outcomes, the engine's fallback without a reader (or when it fails), and the
shipped reader on questions a person can check."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from openai_deals import messages
from openai_deals.retrieval.answering.engine import Engine
from openai_deals.retrieval.answering.reader import (
    READER_FORMAT,
    Reader,
    ReaderError,
    default_reader_dir,
    load_reader,
)
from openai_deals.retrieval.answering.reader.stage import (
    READER_POLICY,
    ReaderPolicy,
    Reading,
    outcome,
    policy_of,
    reorder,
)
from openai_deals.retrieval.answering.rerank import Candidate
from openai_deals.retrieval.model import Status


@pytest.fixture(scope="session")
def reader() -> Reader:
    return load_reader("default")


@pytest.fixture
def reader_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped weights folder."""
    folder = tmp_path / "reader"
    shutil.copytree(default_reader_dir(), folder)
    return folder


class FixedReader:
    """A reader that gives each passage the logit of the first rule it matches: the engine's
    policy is tested apart from what the shipped model happens to say."""

    def __init__(self, rules: dict[str, float], default: float = -6.0, fail: bool = False):
        self.rules, self.default, self.fail = rules, default, fail
        self.info = {"version": "fixed"}
        self.version = "fixed"

    def logits(self, question: str, passages: list[str]) -> np.ndarray:
        if self.fail:
            raise RuntimeError("damaged model")
        out = [next((v for k, v in self.rules.items() if k in p), self.default) for p in passages]
        return np.array(out, dtype=np.float32)


# -- the weights --------------------------------------------------------------------------


def test_the_shipped_reader_loads_and_scores_a_batch(reader: Reader):
    """One probability in (0, 1) per passage, and an answering sentence scores higher than an
    unrelated one."""
    probs = reader.probabilities(
        "Combien Google a-t-il investi dans Anthropic ?",
        [
            "Google mise sur Anthropic (février 2023) : Google a investi 300 millions de "
            "dollars dans Anthropic.",
            "Recette (mars 2021) : Faites cuire les pommes vingt minutes au four.",
        ],
    )
    assert probs.shape == (2,)
    assert ((probs > 0) & (probs < 1)).all()
    assert probs[0] > probs[1]
    assert reader.probabilities("Qui ?", []).shape == (0,)


def test_the_shipped_weights_fit_the_package_budget():
    """The weights ship inside the package: at most 80 MB, with their tokenizer and card."""
    folder = default_reader_dir()
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size <= 80 * 1024 * 1024
    info = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
    assert info["format"] == READER_FORMAT
    assert {"version", "base", "trained_on"} <= set(info)


def test_a_reader_of_another_format_is_refused(reader_copy: Path):
    """A weights folder written for another version of this code is refused by name, not
    read wrongly."""
    info = json.loads((reader_copy / "reader.json").read_text(encoding="utf-8"))
    info["format"] = READER_FORMAT + 1
    (reader_copy / "reader.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(ReaderError, match=f"format {READER_FORMAT + 1}"):
        load_reader(str(reader_copy))


@pytest.mark.parametrize("damage", ["reader.onnx", "tokenizer.json", "reader.json"])
def test_a_damaged_reader_is_one_clear_error(reader_copy: Path, damage: str):
    """A missing or truncated file of the weights folder gives ReaderError, whatever broke."""
    target = reader_copy / damage
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(ReaderError) as error:
        Reader(reader_copy)
    assert error.value.folder == reader_copy


def test_a_policy_belongs_to_its_reader(reader: Reader, reader_copy: Path):
    """The thresholds chosen for a reader travel in its reader.json; a folder without one
    gets the default policy, and one with unknown keys is refused."""
    assert policy_of(reader) == ReaderPolicy.from_dict(reader.info["policy"])
    assert policy_of(None) == READER_POLICY
    with pytest.raises(ValueError, match="unknown"):
        ReaderPolicy.from_dict({"answer": 0.5, "threshold_of_the_future": 1})


def test_read_none_means_no_reader():
    assert load_reader("none") is None


# -- the policy ---------------------------------------------------------------------------


def candidates(*scores: float) -> list[Candidate]:
    evidence = dict(bm25=1.0, cosine=0.5, coverage=1.0, about_coverage=1.0, names_near=1.0,
                    key_covered=True, own_hit=True, about_hit=True, names_ok=True, typed=True,
                    typed_near=True, dated=False, proximity=0.0, terms=frozenset())
    return [Candidate(index=i, score=s, **evidence) for i, s in enumerate(scores)]


def test_reorder_puts_the_readers_choice_first_and_the_prior_can_keep_the_order():
    """The reader's logit orders the candidates; a large prior weight gives the first stages'
    order back; each candidate's score becomes its probability."""
    head = candidates(10.0, 9.0, 1.0)
    logits = np.array([-2.0, 3.0, 0.0])
    reading = reorder(head, logits, ReaderPolicy(prior=0.0))
    assert [c.index for c in reading.candidates] == [1, 2, 0]
    assert reading.best == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert [c.score for c in reading.candidates] == reading.probabilities
    kept = reorder(head, logits, ReaderPolicy(prior=100.0))
    assert [c.index for c in kept.candidates] == [0, 1, 2]


@pytest.mark.parametrize(
    "best,expected",
    [(0.9, Status.ANSWERED), (0.3, Status.RELATED), (0.05, Status.NOT_FOUND)],
)
def test_three_outcomes_from_one_confidence(best: float, expected: Status):
    policy = ReaderPolicy(answer=0.5, related=0.2, follower=0.4)
    reading = Reading(candidates(1.0, 0.5, 0.2), [best, 0.45, 0.1])
    status, confidence, shown = outcome(reading, 0.5, policy)
    assert status is expected
    assert confidence == pytest.approx(best)
    if expected is Status.ANSWERED:
        assert [c.index for c in shown] == [0, 1]  # the follower at 0.1 is left out
    elif expected is Status.RELATED:
        assert len(shown) == 3
    else:
        assert shown == []


def test_the_decision_weight_moves_the_confidence_both_ways():
    policy = ReaderPolicy(decision=1.0)
    assert policy.confidence(0.5, 0.9) > 0.5 > policy.confidence(0.5, 0.1)
    assert ReaderPolicy(decision=0.0).confidence(0.7, 0.01) == pytest.approx(0.7)


# -- the engine with a reader -------------------------------------------------------------


def with_reader(engine: Engine, reader, policy: ReaderPolicy | None = None) -> Engine:
    """The session's engine (same index and vectors) with another reader."""
    return Engine(engine.index, engine.params, embedder=engine.embedder,
                  vectors=engine._vectors, reader=reader, policy=policy)


QUESTION = "Combien Google a-t-il investi dans Anthropic ?"


def test_an_accepted_sentence_is_answered_with_its_span_in_bold(engine: Engine):
    """The reader accepts the 300 million sentence: answered, that sentence first, the
    amount as the answer span."""
    fixed = with_reader(engine, reader=FixedReader({"300 millions": 6.0}))
    answer = fixed.answer(QUESTION)
    assert answer.status is Status.ANSWERED
    first = answer.snippets[0]
    assert "300 millions" in first.text
    assert first.answer_span is not None
    assert "300 millions" in first.text[slice(*first.answer_span)]
    assert answer.confidence > 0.9


def test_related_passages_are_shown_without_an_answer(engine: Engine):
    """The reader doubts every sentence but not enough to say nothing: related passages, the
    related lead, no bold answer span, and abstained for the JSON contract."""
    fixed = with_reader(engine, reader=FixedReader({}, default=-1.0),
                   policy=ReaderPolicy(answer=0.6, related=0.1))
    answer = fixed.answer(QUESTION)
    assert answer.status is Status.RELATED
    assert answer.abstained
    assert answer.snippets
    assert all(s.answer_span is None for s in answer.snippets)
    assert messages.lead(answer) == messages.RELATED_LEAD


def test_nothing_the_reader_accepts_is_not_found(engine: Engine):
    fixed = with_reader(engine, reader=FixedReader({}, default=-8.0),
                   policy=ReaderPolicy(answer=0.6, related=0.1))
    answer = fixed.answer(QUESTION)
    assert answer.status is Status.NOT_FOUND
    assert answer.snippets == ()
    assert answer.topics


def test_a_failing_reader_falls_back_to_the_first_stages(engine: Engine, caplog):
    """If the model fails at answer time the question is still answered, as READER=none
    would, and the failure is logged."""
    plain = with_reader(engine, reader=None)
    broken = with_reader(engine, reader=FixedReader({}, fail=True))
    with caplog.at_level(logging.ERROR):
        answer = broken.answer(QUESTION)
    expected = plain.answer(QUESTION)
    assert answer.status is expected.status is Status.ANSWERED
    assert [s.text for s in answer.snippets] == [s.text for s in expected.snippets]
    assert "Reader failed" in caplog.text


# -- the shipped reader on the bundled corpus ---------------------------------------------


def test_the_shipped_reader_answers_a_direct_question(engine: Engine):
    assert engine.reader is not None
    answer = engine.answer(QUESTION)
    assert answer.status is Status.ANSWERED
    assert "300 millions" in answer.snippets[0].text


@pytest.mark.parametrize(
    "question",
    [
        "Combien Oracle a-t-il investi dans OpenAI ?",
        "Combien Microsoft a-t-il investi dans Mistral AI ?",
        "Quel est le chiffre d'affaires de Microsoft ?",
        "Quel est le prix du Bitcoin aujourd'hui ?",
    ],
)
def test_the_shipped_reader_gives_no_bold_answer_to_what_the_articles_do_not_say(
    engine: Engine, question: str
):
    """Near-topic questions the articles cannot answer, which the first stages answered with a
    confident wrong snippet: never answered in bold now (related or not found)."""
    answer = engine.answer(question)
    assert answer.status is not Status.ANSWERED


def test_eval_counts_a_bold_wrong_answer_and_related_pages(engine: Engine):
    """eval's worst outcome: an unanswerable question answered with a bold span; and the
    share of questions answered with related passages."""
    from openai_deals.retrieval.evaluate import evaluate

    items = [{"id": "u1", "question": "Combien Oracle a-t-il investi dans OpenAI ?", "answers": []}]
    eager = with_reader(engine, FixedReader({"dollars": 8.0}, default=-8.0))
    report = evaluate(eager, items)
    assert report.bold_wrong_rate == 1.0 and report.abstention_rate == 0.0
    doubtful = with_reader(engine, FixedReader({}, default=-1.0),
                           ReaderPolicy(answer=0.6, related=0.1))
    report = evaluate(doubtful, items)
    assert report.related_rate == 1.0 and report.bold_wrong_rate == 0.0
    assert report.abstention_rate == 1.0


def test_a_forked_worker_reads_with_a_session_of_its_own():
    """gunicorn loads the engine, then forks its workers: loading opens no onnxruntime
    session (it would not survive a fork), so a worker's first reading opens its own and
    answers, within a bounded wait, what the parent reads."""
    import os
    import select

    reader = load_reader("default")
    assert reader._session is None  # loading checked the files but opened nothing
    question, passage = QUESTION, "Titre (février 2023) : Google a investi 300 millions."
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        try:
            os.write(write_end, repr(float(reader.logits(question, [passage])[0])).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 60)
        assert ready, "the forked worker did not answer within 60 s"
        got = float(os.read(read_end, 100).decode())
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    expected = float(reader.logits(question, [passage])[0])
    assert got == pytest.approx(expected, abs=1e-5)
