"""The deals timeline's chart in Slack: the PNG of ``openai-deals deals --plot``, uploaded
with ``files_upload_v2`` beside the timeline.

Only into a direct message with the bot. The timeline a slash command shows is ephemeral
("only to you"), and a file never is: uploaded into a channel, the chart would tell the
whole channel what one person asked, at each ``/openai-deals``. Slack itself refuses an
upload into a conversation the bot is not in, such as a direct message between two people.
Without matplotlib (the ``plot`` extra) the timeline comes alone.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.retrieval.model import Partnership
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, slack_error

logger = logging.getLogger(__name__)

CHART_FILENAME = "chronologie-des-accords.png"


def in_direct_message(channel: str | None) -> bool:
    """True for a direct-message conversation ("D…"), where only its members see a file."""
    return bool(channel) and str(channel).startswith("D")


@functools.lru_cache(maxsize=2)
def chart_png(lanes: tuple[Partnership, ...]) -> bytes | None:
    """The timeline's chart as PNG bytes, drawn once per timeline; None without matplotlib."""
    try:
        from openai_deals.plot import plot_timeline  # deferred: matplotlib takes a second
    except ImportError:
        logger.info("matplotlib is not installed: the timeline is shown without its chart")
        return None
    with tempfile.TemporaryDirectory(prefix="openai-deals-chart-") as folder:
        path = Path(folder) / CHART_FILENAME
        plot_timeline(lanes, path)
        return path.read_bytes()


def upload_chart(client: WebClient, channel: str, lanes: Sequence[Partnership]) -> bool:
    """Upload the chart of ``lanes`` into ``channel`` (a direct message with the bot).
    Returns True when it was shared; errors are logged, never raised."""
    if not lanes:
        return False
    png = chart_png(tuple(lanes))
    if png is None:
        return False
    try:
        client.files_upload_v2(
            channel=channel,
            file=png,
            filename=CHART_FILENAME,
            title=m.DEALS_CHART_TITLE,
            alt_txt=m.DEALS_CHART_ALT,
        )
    except SLACK_CALL_ERRORS as exc:
        logger.exception("Timeline chart upload failed: %s (channel=%s)", slack_error(exc), channel)
        return False
    return True
