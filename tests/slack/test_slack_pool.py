"""The answer pool: never blocks a submitter, bounds what waits, survives a failing answer."""

from __future__ import annotations

import logging
import threading

import pytest

from openai_deals.slack.pool import AnswerPool


def test_a_full_backlog_refuses_at_once_and_frees_up_after():
    """With ``backlog`` answers pending, submit says no at once; a finished one frees a slot."""
    pool = AnswerPool(workers=1, backlog=2)
    gate = threading.Event()
    done: list[int] = []

    def answer(n: int) -> None:
        gate.wait(10)
        done.append(n)

    assert pool.submit(answer, 1) and pool.submit(answer, 2)
    assert not pool.submit(answer, 3)
    assert pool.pending == 2
    gate.set()
    assert pool.wait_idle(10)
    assert sorted(done) == [1, 2]
    assert pool.submit(answer, 4) and pool.wait_idle(10)
    assert sorted(done) == [1, 2, 4]


def test_a_failing_answer_is_logged_and_the_worker_goes_on(caplog):
    """An exception in one answer is logged with its traceback; the next answer still runs."""
    pool = AnswerPool(workers=1, backlog=5)
    done = threading.Event()

    def broken() -> None:
        raise RuntimeError("bug")

    with caplog.at_level(logging.ERROR, logger="openai_deals.slack.pool"):
        assert pool.submit(broken)
        assert pool.submit(done.set)
        assert done.wait(10) and pool.wait_idle(10)
    (record,) = caplog.records
    assert "Unexpected error in broken" in record.getMessage() and record.exc_info


@pytest.mark.parametrize("kwargs", [{"workers": 0, "backlog": 1}, {"workers": 1, "backlog": 0}])
def test_nonsense_sizes_are_refused(kwargs):
    """Zero workers or a zero backlog is a configuration mistake."""
    with pytest.raises(ValueError):
        AnswerPool(**kwargs)
