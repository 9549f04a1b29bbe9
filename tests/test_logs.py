"""Log lines are capped: no library can flood the logs with a request body or a payload."""

from __future__ import annotations

import logging

from openai_deals.logs import MAX_LINE_CHARS, CapLength


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("slack_bolt.App", logging.INFO, __file__, 1, msg, args, None)


def test_a_long_line_is_cut_and_says_how_much():
    """A 10 MB message (as Bolt logs a forged request's body) becomes one short line."""
    line = record("body: %s", "x" * 10_000_000)
    assert CapLength().filter(line)
    message = line.getMessage()
    assert len(message) < MAX_LINE_CHARS + 40
    assert message.endswith(f"… [{10_000_006 - MAX_LINE_CHARS} characters cut]")


def test_a_normal_line_is_left_alone():
    """Lines under the cap keep their message and arguments."""
    line = record("Answered (question=%r)", "Qui ?")
    assert CapLength().filter(line)
    assert line.getMessage() == "Answered (question='Qui ?')" and line.args == ("Qui ?",)
