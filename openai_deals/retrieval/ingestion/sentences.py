"""From cleaned article text to numbered sentences, with spaCy's French rule-based sentencizer.

Why a blank ``fr`` pipeline with the ``sentencizer`` rather than ``fr_core_news_sm``'s parser:
measured on this corpus (docs/experiments.md), the parser cut « » and names into one-token
"sentences" ('«', 'Sam', 'La filiale d’') 37 times out of 202 sentences, while the sentencizer
gave 147 clean sentences ~7× faster; it needs one repair: a « opening the next quotation is
left at the end of the previous sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from openai_deals.retrieval.ingestion.clean import clean_body
from openai_deals.retrieval.ingestion.corpus import ArticleFile

if TYPE_CHECKING:
    from spacy.language import Language

# A fragment shorter than this many words is merged into its neighbour ("«", "etc.", "Oui.").
MIN_SENTENCE_WORDS = 3
# A paragraph of at most this many words with no final punctuation is an intertitle.
MAX_HEADING_WORDS = 10

_WORD = re.compile(r"\w+")
_TRAILING_OPEN_QUOTE = re.compile(r"\s*«\s*$")
_ANSWER_LABEL = re.compile(r"^(?:Réponse|R)\s*:\s*", re.IGNORECASE)
_QUESTION_LABEL = re.compile(r"^(?:Question|Q)\s*:\s*", re.IGNORECASE)
# "(…, etc.) Il est aussi…", "(… d’utilisateurs.) Pendant ce temps": the sentencizer does not
# end a sentence after a closing parenthesis.
_AFTER_CLOSED_PAREN = re.compile(r"(?<=[.!?…]\))\s+(?=[«A-ZÀ-Ý])")
_FINAL_PUNCT = re.compile(r"[.!?…»\"”;:)]\s*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article. ``sid`` = "<article id>#<position>" and never changes
    while the article's text does not, so a citation always points at the same sentence."""

    sid: str
    article_id: str
    position: int  # 0-based, in reading order within the article
    text: str
    paragraph: int
    heading: bool = False  # an intertitle or an interviewer's question: context, not an answer


@lru_cache(maxsize=1)
def sentence_pipeline() -> Language:
    """spaCy's blank French pipeline with the rule-based sentencizer (no model to load)."""
    import spacy  # deferred: spaCy costs ~0.5 s to import and only ingestion needs it

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    return nlp


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _is_heading(paragraph: str) -> bool:
    if _QUESTION_LABEL.match(paragraph):
        return True
    return _word_count(paragraph) <= MAX_HEADING_WORDS and not _FINAL_PUNCT.search(paragraph)


def repair_sentences(pieces: Iterable[str]) -> list[str]:
    """Fix the sentencizer's output for French: a trailing « moves to the next sentence and
    fragments of fewer than MIN_SENTENCE_WORDS words join their neighbour."""
    moved: list[str] = []
    carry = ""
    pieces = [part for piece in pieces for part in _AFTER_CLOSED_PAREN.split(piece)]
    for piece in pieces:
        piece = (carry + piece).strip()
        carry = ""
        if _TRAILING_OPEN_QUOTE.search(piece):
            piece = _TRAILING_OPEN_QUOTE.sub("", piece)
            carry = "« "
        if piece:
            moved.append(piece)
    if carry and moved:
        moved[-1] += " «"  # nothing follows: leave it where it was rather than lose it
    merged: list[str] = []
    for piece in moved:
        if (merged and _word_count(piece) < MIN_SENTENCE_WORDS) or (
            merged and _word_count(merged[-1]) < MIN_SENTENCE_WORDS
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def split_articles(
    articles: list[ArticleFile], *, batch_size: int = 256
) -> Iterator[tuple[ArticleFile, list[Sentence]]]:
    """Split each article into sentences, in order.

    All paragraphs of all articles stream through one batched ``nlp.pipe``; several processes
    are used a level up, on whole articles (``retrieval.indexing.index.build_index``).
    """
    nlp = sentence_pipeline()
    cleaned = [clean_body(a.body, title=a.article.title) for a in articles]
    stream = (
        (paragraph, (index, number))
        for index, paragraphs in enumerate(cleaned)
        for number, paragraph in enumerate(paragraphs)
    )
    docs = nlp.pipe(stream, as_tuples=True, batch_size=batch_size)
    current: list[Sentence] = []
    index = 0
    for doc, (doc_index, number) in docs:
        while index < doc_index:
            yield articles[index], current
            index, current = index + 1, []
        _append_paragraph(current, articles[index], number, doc)
    while index < len(articles):
        yield articles[index], current
        index, current = index + 1, []


def _append_paragraph(out: list[Sentence], article: ArticleFile, number: int, doc) -> None:
    paragraph = doc.text
    heading = _is_heading(paragraph)
    pieces = [paragraph] if heading else [s.text for s in doc.sents]
    article_id = article.article.article_id
    for text in repair_sentences(pieces):
        text = _ANSWER_LABEL.sub("", text)
        position = len(out)
        out.append(
            Sentence(
                sid=f"{article_id}#{position}",
                article_id=article_id,
                position=position,
                text=text,
                paragraph=number,
                heading=heading,
            )
        )
