"""French retrieval over the corpus: ingestion, analysis, BM25, cited answers. No Slack here."""

from openai_deals.retrieval.model import Answer, Article, Snippet, Source, month_label_fr

__all__ = ["Answer", "Article", "Snippet", "Source", "month_label_fr"]
