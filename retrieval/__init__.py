"""French retrieval over the corpus: ingestion, analysis, BM25, cited answers. No Slack here."""

from retrieval.model import Answer, Article, Snippet, Source, month_label_fr

__all__ = ["Answer", "Article", "Snippet", "Source", "month_label_fr"]
