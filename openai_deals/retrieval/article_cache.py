"""Each article's analysis, kept on disk by content hash, so a rebuild reads only what changed.

An index build does four things per article that depend on that article alone: clean-up,
sentence splitting (spaCy), analysis into terms (and context terms), and reading its deals
(spaCy's tagger and NER). Only the vocabulary, the BM25 statistics and the merging of deals
span the corpus, and those are numpy work of milliseconds. So the per-article results are
stored here, one JSON file per article under a key that hashes:

- the indexing code and parameters (the caller's ``code_key``: the same code hash as the
  whole-index cache, see ``retrieval.cache``), and
- the article's metadata and body (so a renamed, edited or re-dated file is a new key).

Adding one article to a corpus of hundreds then splits and analyses that one article; the
others are read back. Files are written atomically; a missing, unreadable or malformed one is
simply analysed again. Keys no longer in the corpus are removed after each build.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from openai_deals.retrieval import store
from openai_deals.retrieval.corpus import ArticleFile
from openai_deals.retrieval.deals import deals_from_json, deals_to_json
from openai_deals.retrieval.ingest import Sentence
from openai_deals.retrieval.model import Deal

logger = logging.getLogger(__name__)

_SUFFIX = ".json"


class ArticleAnalysis:
    """One article's sentences, their terms and context terms, and its (unmerged) deals."""

    __slots__ = ("analysed", "context", "deals", "sentences", "terms")

    def __init__(
        self,
        sentences: list[Sentence],
        terms: list[list[str]],
        context: list[list[str]],
        deals: list[Deal],
    ) -> None:
        self.sentences = sentences
        self.terms = terms
        self.context = context
        self.deals = deals
        self.analysed = False  # True when this build made it, False when read back

    def to_json(self) -> dict:
        return {
            "sentences": [[s.position, s.paragraph, s.heading, s.text] for s in self.sentences],
            "terms": self.terms,
            "context": self.context,
            "deals": deals_to_json(self.deals),
        }

    @classmethod
    def from_json(cls, data: dict, article_id: str) -> ArticleAnalysis:
        """Raises KeyError, TypeError or ValueError on anything ``to_json`` did not write."""
        sentences = [
            Sentence(
                sid=f"{article_id}#{int(position)}",
                article_id=article_id,
                position=int(position),
                text=str(text),
                paragraph=int(paragraph),
                heading=bool(heading),
            )
            for position, paragraph, heading, text in data["sentences"]
        ]
        terms = [[str(t) for t in doc] for doc in data["terms"]]
        context = [[str(t) for t in doc] for doc in data["context"]]
        if not len(sentences) == len(terms) == len(context):
            raise ValueError("sentences, terms and context differ in length")
        return cls(sentences, terms, context, list(deals_from_json(data["deals"])))


class ArticleCache:
    """Per-article analyses in ``directory``, valid for one version of the indexing code.

    Args:
        directory: where the JSON files go (created on first write).
        code_key: a hash of the indexing code and parameters.
    """

    def __init__(self, directory: Path, code_key: str) -> None:
        self.directory = Path(directory)
        self.code_key = code_key

    def key(self, file: ArticleFile) -> str:
        """The key of ``file``'s analysis: code, metadata and body."""
        meta = json.dumps(asdict(file.article), sort_keys=True, ensure_ascii=False)
        return store.content_key(self.code_key, meta, file.body)

    def get(self, file: ArticleFile) -> ArticleAnalysis | None:
        path = self.directory / f"{self.key(file)}{_SUFFIX}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return ArticleAnalysis.from_json(data, file.article.article_id)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Article cache %s unreadable (%s); analysing again.", path.name, exc)
            return None

    def put(self, file: ArticleFile, analysis: ArticleAnalysis) -> None:
        path = self.directory / f"{self.key(file)}{_SUFFIX}"
        data = json.dumps(analysis.to_json(), ensure_ascii=False, separators=(",", ":"))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            logger.warning("Could not write the article cache %s (%s); continuing.", path, exc)

    def keep_only(self, files: list[ArticleFile]) -> None:
        """Remove the analyses of articles that are no longer in ``files``."""
        wanted = {f"{self.key(f)}{_SUFFIX}" for f in files}
        try:
            entries = list(self.directory.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.suffix in (_SUFFIX, ".tmp") and entry.name not in wanted:
                entry.unlink(missing_ok=True)
