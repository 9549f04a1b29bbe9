"""Retrieval evaluation on a question file (the format of ../shared/eval/dev.jsonl).

Each line: ``{"id", "question", "answers": [substrings of a right sentence]}``; an empty
``answers`` list means the question cannot be answered from the corpus and must be abstained.
A snippet is right when one gold substring occurs in it (case-, apostrophe- and
space-insensitive). Hits count answered questions only: a "related" page shows passages, not
an answer. The worst outcome, an unanswerable question answered with a bold answer span, is
counted apart.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from openai_deals.retrieval.answering.engine import Engine
from openai_deals.retrieval.model import Status


@dataclass(frozen=True)
class EvalReport:
    questions: int
    answerable: int
    hit_at_1: float  # answerable questions answered with a right first snippet / answered
    hit_at_3: float
    mrr_at_5: float
    abstention_rate: float  # share of unanswerable questions that were not answered
    false_abstention_rate: float  # share of answerable questions that were not answered
    related_rate: float  # share of all questions answered with related passages
    bold_wrong_rate: float  # share of unanswerable questions answered with a bold span
    mean_snippet_chars: float
    failures: tuple[str, ...]  # ids of answerable questions with no right snippet in the top 3

    def as_dict(self) -> dict:
        return asdict(self)


METRICS = (
    ("hit_at_1", "hit@1"),
    ("hit_at_3", "hit@3"),
    ("mrr_at_5", "MRR@5"),
    ("abstention_rate", "abstention rate (unanswerable abstained)"),
    ("false_abstention_rate", "false abstention rate"),
    ("related_rate", "related passages (share of questions)"),
    ("bold_wrong_rate", "unanswerable answered in bold"),
    ("mean_snippet_chars", "mean snippet length (chars)"),
)


def metrics_table(reports: dict[str, EvalReport]) -> list[str]:
    """One line per metric, one column per named report (English, for the terminal)."""
    lines = [f"{'':42}" + "".join(f"{name:>18}" for name in reports)]
    for key, label in METRICS:
        lines.append(f"{label:42}" + "".join(f"{getattr(r, key):>18.3f}" for r in reports.values()))
    return lines


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def load_questions(path: Path) -> list[dict]:
    """Read a JSONL question file; raises ValueError naming the line of a malformed entry."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item.get("question"), str):
                raise ValueError("no 'question' string")
            if not isinstance(item.get("answers", []), list):
                raise ValueError("'answers' must be a list")
        except (json.JSONDecodeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path.name}, line {number}: {exc}") from None
        items.append(item)
    return items


def evaluate(engine: Engine, items: list[dict], k: int = 5) -> EvalReport:
    """Run every question through ``engine`` and compute the metrics."""
    hit1 = hit3 = rr = 0.0
    answerable = answered = abstained_ok = false_abstain = related = bold_wrong = 0
    lengths: list[int] = []
    failures: list[str] = []
    for item in items:
        answer = engine.answer(item["question"], k=k)
        lengths.extend(len(s.text) for s in answer.snippets[:3])
        related += answer.status is Status.RELATED
        gold = [fold(g) for g in item.get("answers", [])]
        if not gold:
            abstained_ok += answer.abstained
            bold_wrong += not answer.abstained and answer.snippets[0].answer_span is not None
            continue
        answerable += 1
        if answer.abstained:
            false_abstain += 1
            failures.append(str(item.get("id", item["question"])))
            continue
        answered += 1
        rank = next(
            (
                r
                for r, s in enumerate(answer.snippets, start=1)
                if any(g in fold(s.text) for g in gold)
            ),
            None,
        )
        if rank == 1:
            hit1 += 1
        if rank is not None and rank <= 3:
            hit3 += 1
        else:
            failures.append(str(item.get("id", item["question"])))
        if rank is not None:
            rr += 1 / rank
    unanswerable = len(items) - answerable

    def share(n: float, d: int) -> float:
        return round(n / d, 4) if d else 0.0

    return EvalReport(
        questions=len(items),
        answerable=answerable,
        hit_at_1=share(hit1, answered),
        hit_at_3=share(hit3, answered),
        mrr_at_5=share(rr, answered),
        abstention_rate=share(abstained_ok, unanswerable),
        false_abstention_rate=share(false_abstain, answerable),
        related_rate=share(related, len(items)),
        bold_wrong_rate=share(bold_wrong, unanswerable),
        mean_snippet_chars=round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        failures=tuple(failures),
    )
