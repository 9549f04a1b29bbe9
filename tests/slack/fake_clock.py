"""A clock the tests move by hand, for the memories that expire (dedup, threads, questions)."""

from __future__ import annotations


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
