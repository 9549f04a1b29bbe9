"""Log lines are capped (no library can flood the logs with a request body or a payload) and
cannot be forged (no value can end a record and start another)."""

from __future__ import annotations

import io
import logging
import sys

from openai_deals.logs import (
    CONTINUATION,
    LOG_FORMAT,
    MAX_LINE_CHARS,
    CapLength,
    OneLineFormatter,
    configure_logging,
)


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


def formatted(record_: logging.LogRecord) -> str:
    return OneLineFormatter(LOG_FORMAT).format(record_)


FORGED = "access_denied\n2026-01-01 00:00:00,000 ERROR openai_deals: forged\r\x1b[2J\u2028\u202e"


def test_a_value_cannot_start_a_new_record():
    """Line breaks, carriage returns, terminal escapes, Unicode line separators and bidi
    overrides in a value are written as escapes: the record stays on one line."""
    line = formatted(record("Installation failed: %s (HTTP %d)", FORGED, 400))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.endswith(
        "Installation failed: access_denied\\n2026-01-01 00:00:00,000 ERROR openai_deals: "
        "forged\\r\\x1b[2J\\u2028\\u202e (HTTP 400)"
    )


def test_a_traceback_stays_under_its_record():
    """A traceback keeps its lines, each indented, so a forged line in an exception's message
    never starts at the beginning of a line like a record does."""
    try:
        raise ValueError(FORGED)
    except ValueError:
        line = record("Could not answer")
        line.exc_info = sys.exc_info()
    text = formatted(line)
    first, *rest = text.split("\n")
    assert first.endswith("Could not answer") and rest
    assert all(part.startswith(CONTINUATION) for part in rest), rest
    assert "\x1b" not in text and "\r" not in text
    assert rest[0] == CONTINUATION + "Traceback (most recent call last):"


def test_configure_logging_gives_the_root_handler_the_safe_formatter():
    """The entry points' handler (basicConfig's, or a host's plain one) formats with it."""
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(handler)
    level = root.level
    try:
        configure_logging("INFO")
        logging.getLogger("openai_deals.test").warning("x=%s", "a\nb")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert isinstance(handler.formatter, OneLineFormatter)
    assert handler.stream.getvalue() == "WARNING x=a\\nb\n"
