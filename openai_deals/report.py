"""``openai-deals report``: what people asked, what the bot could not answer, and the 👎.

Read from the outcome store (:mod:`openai_deals.outcomes`) over a period (``--since 7d``):
question volume by surface, the abstention rate, the unanswered questions grouped by the
terms they share (the retrieval analyzer's terms, so « investi » and « investissement » meet),
and every 👎 with its reason, comment and the sentences the answer cited. This is what a team
reads to decide which article to add.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from openai_deals import messages as m

_SINCE = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
EXAMPLES_PER_GROUP = 3
MAX_GROUPS = 10


def parse_since(text: str) -> timedelta:
    """``7d``, ``24h``, ``2w`` → a duration.

    Raises:
        ValueError: anything else (the message says what is expected).
    """
    match = _SINCE.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(m.REPORT_SINCE_INVALID.format(value=text))
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


@dataclass(frozen=True)
class UnansweredGroup:
    """Unanswered questions sharing a term: the term, how many, a few of them."""

    term: str
    count: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class DownVote:
    """A 👎: when, the question, the reason (key and label), the comment, the cited
    sentences (id and text, when the corpus still has it)."""

    at: str
    question: str
    reason: str | None
    reason_label: str
    comment: str | None
    sentences: tuple[dict, ...]


@dataclass(frozen=True)
class Report:
    since: str
    questions: int
    answered: int
    abstained: int
    abstention_rate: float
    by_surface: dict[str, int]
    unanswered: tuple[UnansweredGroup, ...]
    votes_up: int
    votes_down: int
    down_votes: tuple[DownVote, ...] = field(default=())

    def as_dict(self) -> dict:
        return asdict(self)


def group_by_shared_terms(
    questions: Iterable[str], terms_of: Callable[[str], list[str]]
) -> list[UnansweredGroup]:
    """Group questions by the term they share most: each question joins the group of its
    term that the most questions use (ties: alphabetical); biggest groups first."""
    questions = list(questions)
    terms = [sorted(set(terms_of(q))) for q in questions]
    counts = Counter(t for ts in terms for t in ts)
    groups: dict[str, list[str]] = {}
    for question, ts in zip(questions, terms, strict=True):
        key = min(ts, key=lambda t: (-counts[t], t)) if ts else ""
        groups.setdefault(key, []).append(question)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        UnansweredGroup(term, len(qs), tuple(dict.fromkeys(qs))[:EXAMPLES_PER_GROUP])
        for term, qs in ordered[:MAX_GROUPS]
    ]


def build_report(
    outcomes: list[dict],
    feedback: list[dict],
    since: datetime,
    terms_of: Callable[[str], list[str]],
    sentence_text: Callable[[str], str | None] = lambda sid: None,
) -> Report:
    """The report over ``outcomes`` and ``feedback`` rows (``OutcomeStore.*_since``)."""
    total = len(outcomes)
    abstained = [o for o in outcomes if o["status"] != "answered"]
    surfaces = Counter(o["surface"] for o in outcomes)
    downs = []
    for row in feedback:
        if row["vote"] != "down":
            continue
        ids = [i for i in (row["sentence_ids"] or "").split(",") if i]
        downs.append(
            DownVote(
                at=_iso(row["created_at"]),
                question=row["question"],
                reason=row["reason"],
                reason_label=m.FEEDBACK_REASONS.get(row["reason"] or "", m.REPORT_NO_REASON),
                comment=row["comment"],
                sentences=tuple({"id": i, "text": sentence_text(i)} for i in ids),
            )
        )
    return Report(
        since=_iso(since),
        questions=total,
        answered=total - len(abstained),
        abstained=len(abstained),
        abstention_rate=round(len(abstained) / total, 4) if total else 0.0,
        by_surface=dict(sorted(surfaces.items())),
        unanswered=tuple(group_by_shared_terms((o["question"] for o in abstained), terms_of)),
        votes_up=sum(1 for f in feedback if f["vote"] == "up"),
        votes_down=len(downs),
        down_votes=tuple(downs),
    )


def render_report(report: Report) -> str:
    """The report for the terminal, in French like everything the terminal says."""
    lines = [
        m.REPORT_TITLE.format(since=report.since[:16].replace("T", " ")),
        m.REPORT_VOLUME.format(
            questions=report.questions,
            surfaces=", ".join(f"{k} {v}" for k, v in report.by_surface.items()) or "—",
        ),
        m.REPORT_ABSTENTION.format(
            abstained=report.abstained, rate=round(100 * report.abstention_rate)
        ),
        "",
        m.REPORT_UNANSWERED_TITLE,
    ]
    if not report.unanswered:
        lines.append(m.REPORT_NONE)
    for group in report.unanswered:
        lines.append(m.REPORT_GROUP.format(term=group.term or "—", count=group.count))
        lines += [f"    « {q} »" for q in group.questions]
    lines += ["", m.REPORT_VOTES.format(up=report.votes_up, down=report.votes_down)]
    for vote in report.down_votes:
        lines.append(
            m.REPORT_DOWN.format(at=vote.at[:16].replace("T", " "), question=vote.question)
        )
        lines.append(f"    {m.REPORT_REASON} : {vote.reason_label}")
        if vote.comment:
            lines.append(f"    {m.REPORT_COMMENT} : {vote.comment}")
        for sentence in vote.sentences:
            text = sentence["text"] or m.REPORT_SENTENCE_GONE
            lines.append(f"    [{sentence['id']}] {text}")
    return "\n".join(lines)


def _iso(value: datetime) -> str:
    # SQLite gives back naive datetimes: every stored time is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")
