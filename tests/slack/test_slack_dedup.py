"""The memory of handled events: first time only, forgets after its TTL, stays bounded."""

from __future__ import annotations

import threading

import pytest

from openai_deals.slack.dedup import SeenKeys


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_new_only_once():
    """The first sighting is new; later ones (alone or with other keys) are not."""
    seen = SeenKeys()
    assert seen.first_time(("event", "Ev1"), ("message", "C1", "1.0"))
    assert not seen.first_time(("event", "Ev1"))
    assert not seen.first_time(("event", "Ev2"), ("message", "C1", "1.0"))
    assert seen.first_time(("event", "Ev3"), ("message", "C1", "2.0"))


def test_keys_are_forgotten_after_the_ttl():
    """After the TTL a key counts as new again (and the memory shrinks)."""
    clock = FakeClock()
    seen = SeenKeys(ttl_seconds=60, clock=clock)
    seen.first_time("a")
    clock.now += 59
    assert not seen.first_time("a")
    clock.now += 61
    assert seen.first_time("b")
    assert len(seen) == 1
    assert seen.first_time("a")


def test_memory_is_bounded():
    """Past max_keys the oldest keys are dropped, so memory cannot grow without end."""
    seen = SeenKeys(max_keys=100)
    for i in range(1_000):
        seen.first_time(i)
    assert len(seen) == 100
    assert seen.first_time(0)
    assert not seen.first_time(999)


def test_concurrent_duplicates_are_let_through_once():
    """Twenty threads racing with the same key: exactly one is told it is new."""
    seen = SeenKeys()
    barrier = threading.Barrier(20)
    results = []

    def race() -> None:
        barrier.wait(5)
        results.append(seen.first_time(("event", "Ev1")))

    threads = [threading.Thread(target=race) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == [False] * 19 + [True]


@pytest.mark.parametrize("kwargs", [{"ttl_seconds": 0}, {"max_keys": 0}])
def test_nonsense_limits_are_refused(kwargs):
    """A zero TTL or size is a configuration mistake and raises ValueError."""
    with pytest.raises(ValueError):
        SeenKeys(**kwargs)
