"""What the reader reads: the question, then the candidate sentence with the article's title
and month, so that « … en 2024 ? » can be told from a 2023 fact. One function for training and
for answering, so the two never drift apart."""

from __future__ import annotations

from openai_deals.retrieval.model import month_label_fr

MAX_TOKENS = 128  # question + passage; a longer sentence is cut at the end
MAX_QUESTION_TOKENS = 48


def passage_text(sentence: str, title: str, date: str) -> str:
    """The candidate as the reader sees it: ``"titre (mois année) : phrase"``."""
    return f"{title} ({month_label_fr(date)}) : {sentence}"
