"""Each article's analysis, kept on disk by content hash, so a rebuild reads only what changed.

An index build does four things per article that depend on that article alone: clean-up,
sentence splitting (spaCy), analysis into terms (and context terms), and reading its deals
(spaCy's tagger and NER). Only the vocabulary, the BM25 statistics and the merging of deals
span the corpus, and those are numpy work of milliseconds. So the per-article results are
stored here, one JSON file per article under a key that hashes:

- the indexing code and parameters (the caller's ``code_key``: the same code hash as the
  whole-index cache, see ``retrieval.indexing.cache``), and
- the article's metadata and body (so a renamed, edited or re-dated file is a new key).

Adding one article to a corpus of hundreds then splits and analyses that one article; the
others are read back. Files are written atomically; a missing, unreadable or malformed one is
simply analysed again. Keys no longer in the corpus are removed after each build.

The files live in the index store's own folder (``retrieval.indexing.cache``), never loose in
INDEX_DIR, and only once the store has marked that folder as its own. Before then (the very first
build, which is what makes the store claim it) the new analyses are kept in memory, and
:meth:`ArticleCache.settle_in` writes them once the store's folder exists.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from openai_deals.retrieval.deals.extract import deals_from_json, deals_to_json
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.ingestion.corpus import ArticleFile
from openai_deals.retrieval.ingestion.sentences import Sentence
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
        directory: where the JSON files go (created on first write); None while the index
            store has no folder of its own yet: nothing is read, new analyses wait in memory
            for :meth:`settle_in`.
        code_key: a hash of the indexing code and parameters.
    """

    def __init__(self, directory: Path | None, code_key: str) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.code_key = code_key
        self._pending: dict[str, ArticleAnalysis] = {}
        self._wanted: set[str] | None = None

    def key(self, file: ArticleFile) -> str:
        """The key of ``file``'s analysis: code, metadata and body."""
        meta = json.dumps(asdict(file.article), sort_keys=True, ensure_ascii=False)
        return store.content_key(self.code_key, meta, file.body)

    def get(self, file: ArticleFile) -> ArticleAnalysis | None:
        if self.directory is None:
            return None
        path = self.directory / f"{self.key(file)}{_SUFFIX}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return ArticleAnalysis.from_json(data, file.article.article_id)
        except FileNotFoundError:
            return None
        # RecursionError: JSON nested deeper than Python's recursion limit ("[" * 100_000).
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            reason = "nested too deep" if isinstance(exc, RecursionError) else exc
            logger.warning("Article cache %s unreadable (%s); analysing again.", path.name, reason)
            return None

    def put(self, file: ArticleFile, analysis: ArticleAnalysis) -> None:
        if self.directory is None:
            self._pending[self.key(file)] = analysis
            return
        self._write(self.key(file), analysis)

    def keep_only(self, files: list[ArticleFile]) -> None:
        """Remove the analyses of articles that are no longer in ``files``."""
        wanted = {f"{self.key(f)}{_SUFFIX}" for f in files}
        if self.directory is None:
            self._wanted = wanted
            return
        self._remove_all_but(wanted)

    def settle_in(self, directory: Path) -> None:
        """Use ``directory`` from now on (the store's folder, just claimed): write the
        analyses kept in memory there and drop any stale entry."""
        self.directory = Path(directory)
        pending, self._pending = self._pending, {}
        for key, analysis in pending.items():
            self._write(key, analysis)
        if self._wanted is not None:
            self._remove_all_but(self._wanted)
            self._wanted = None

    def _write(self, key: str, analysis: ArticleAnalysis) -> None:
        assert self.directory is not None
        path = self.directory / f"{key}{_SUFFIX}"
        data = json.dumps(analysis.to_json(), ensure_ascii=False, separators=(",", ":"))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            logger.warning("Could not write the article cache %s (%s); continuing.", path, exc)

    def _remove_all_but(self, wanted: set[str]) -> None:
        assert self.directory is not None
        try:
            entries = list(self.directory.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.suffix in (_SUFFIX, ".tmp") and entry.name not in wanted:
                try:
                    entry.unlink(missing_ok=True)
                except OSError as exc:  # a read-only INDEX_DIR: stale entries stay, harmless
                    logger.warning("Could not remove %s (%s); continuing.", entry.name, exc)
                    return
