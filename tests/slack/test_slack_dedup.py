"""The memory of answered messages: one rule (10 minutes, 100,000 keys) covering Slack's retries."""

from __future__ import annotations

import logging
import threading

import pytest
from fake_clock import FakeClock

from openai_deals.slack.dedup import MAX_KEYS, TTL_SECONDS, SeenKeys, message_key


def test_a_key_is_new_only_once():
    """The first sighting is new; later ones are not; other keys are new."""
    seen = SeenKeys()
    assert not seen.seen_before(message_key("C1", "1.0"))
    assert seen.seen_before(message_key("C1", "1.0"))
    assert not seen.seen_before(message_key("C1", "2.0"))
    assert not seen.seen_before(message_key("C2", "1.0"))


def test_the_window_covers_slacks_retry_schedule():
    """Retries at once, after 1 minute and after 5 minutes are all still recognised."""
    clock = FakeClock()
    seen = SeenKeys(clock=clock)
    key = message_key("C1", "1.0")
    assert not seen.seen_before(key)
    for delay in (0, 60, 5 * 60):
        clock.now = 1000.0 + delay
        assert seen.seen_before(key), f"a retry after {delay} s must be recognised"
    assert TTL_SECONDS >= 6 * 60


def test_keys_are_forgotten_after_the_ttl():
    """After the TTL a key counts as new again (and the memory shrinks)."""
    clock = FakeClock()
    seen = SeenKeys(ttl_seconds=60, clock=clock)
    seen.seen_before("a")
    clock.now += 59
    assert seen.seen_before("a")
    clock.now += 61
    assert not seen.seen_before("b")
    assert len(seen) == 1
    assert not seen.seen_before("a")


def test_a_busy_window_is_remembered_whole():
    """60,000 messages within five minutes (200 a second) do not push out the first one."""
    clock = FakeClock()
    seen = SeenKeys(clock=clock)
    first = message_key("C1", "0")
    seen.seen_before(first)
    for i in range(60_000):
        clock.now += 0.005
        seen.seen_before(message_key("C1", str(i + 1)))
    assert seen.seen_before(first)


def test_memory_is_bounded_and_early_forgetting_is_logged(caplog):
    """Past max_keys the oldest keys go early, with one warning: memory cannot grow."""
    seen = SeenKeys(max_keys=100)
    with caplog.at_level(logging.WARNING, logger="openai_deals.slack.dedup"):
        for i in range(1_000):
            seen.seen_before(str(i))
    assert len(seen) == 100
    assert not seen.seen_before("0")
    assert seen.seen_before("999")
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Duplicate memory full (100 keys)" in warnings[0]
    assert MAX_KEYS >= 100_000


def test_concurrent_duplicates_are_let_through_once():
    """Twenty threads racing with the same key: exactly one is told it is new."""
    seen = SeenKeys()
    barrier = threading.Barrier(20)
    results = []

    def race() -> None:
        barrier.wait(5)
        results.append(seen.seen_before(message_key("C1", "1.0")))

    threads = [threading.Thread(target=race) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == [False] + [True] * 19


@pytest.mark.parametrize("kwargs", [{"ttl_seconds": 0}, {"max_keys": 0}])
def test_nonsense_limits_are_refused(kwargs):
    """A zero TTL or size is a configuration mistake and raises ValueError."""
    with pytest.raises(ValueError):
        SeenKeys(**kwargs)


def test_a_forgotten_key_is_new_again():
    """A refused request (busy) is forgotten so that the same request sent again is handled;
    other keys stay remembered."""
    seen = SeenKeys()
    seen.seen_before("interaction:1")
    seen.seen_before("interaction:2")
    seen.forget("interaction:1")
    seen.forget("interaction:never-seen")  # no error
    assert not seen.seen_before("interaction:1")
    assert seen.seen_before("interaction:2")
