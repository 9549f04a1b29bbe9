"""The memory of the threads the bot answered in (slack/threads.py)."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock

from openai_deals.slack.threads import KnownThreads


def test_a_thread_is_known_after_an_answer_and_only_in_its_channel():
    threads = KnownThreads()
    assert not threads.took_part("C1", "1.0")
    threads.remember("C1", "1.0")
    assert threads.took_part("C1", "1.0")
    assert not threads.took_part("C2", "1.0")
    assert not threads.took_part("C1", "2.0")


def test_a_thread_is_forgotten_after_the_ttl_unless_answered_again():
    clock = FakeClock()
    threads = KnownThreads(ttl_seconds=60, clock=clock)
    threads.remember("C1", "1.0")
    threads.remember("C1", "2.0")
    clock.now += 50
    threads.remember("C1", "2.0")  # a new answer renews the window
    clock.now += 20
    assert not threads.took_part("C1", "1.0")
    assert threads.took_part("C1", "2.0")


def test_the_memory_is_bounded_and_forgets_the_least_recently_answered():
    threads = KnownThreads(max_threads=2)
    threads.remember("C", "1")
    threads.remember("C", "2")
    threads.remember("C", "1")  # answered again: now the most recent
    threads.remember("C", "3")
    assert len(threads) == 2
    assert threads.took_part("C", "1") and threads.took_part("C", "3")
    assert not threads.took_part("C", "2")


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        KnownThreads(ttl_seconds=0)
    with pytest.raises(ValueError):
        KnownThreads(max_threads=0)
