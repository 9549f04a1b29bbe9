"""What the corpus holds, for the surfaces that show it whole: the deals timeline and the
articles with their sentence counts. Read from an
:class:`~openai_deals.retrieval.indexing.index.Index` through its public API only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openai_deals.retrieval.deals.extract import timeline
from openai_deals.retrieval.model import Article, Partnership

if TYPE_CHECKING:
    from openai_deals.retrieval.indexing.index import Index


@dataclass(frozen=True)
class ArticleSummary:
    """An article and how many sentences of it are indexed."""

    article: Article
    sentences: int


@dataclass(frozen=True)
class Overview:
    """The timeline (partnerships, oldest first) and the articles (oldest first)."""

    timeline: tuple[Partnership, ...] = ()
    articles: tuple[ArticleSummary, ...] = ()

    @classmethod
    def of(cls, index: Index) -> Overview:
        """The overview of everything ``index`` holds."""
        counts = Counter(int(a) for a in index.article_of)
        articles = tuple(
            ArticleSummary(article, counts[number])
            for number, article in sorted(
                enumerate(index.articles), key=lambda pair: (pair[1].date, pair[1].article_id)
            )
        )
        return cls(timeline(index.deals), articles)
