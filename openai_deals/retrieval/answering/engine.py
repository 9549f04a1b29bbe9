"""The answering core: ``Engine.answer(question) -> Answer``, wiring the stages.

1. question analysis (:mod:`.query`): terms and their idf, names, dates, answer type,
   spelling corrections;
2. candidates (:mod:`.backend`): the best BM25 sentences, plus, with embeddings, the
   sentences nearest the question's vector (:mod:`openai_deals.retrieval.indexing.embeddings`);
3. reranking (:mod:`.rerank`): lexical and semantic evidence, one score;
4. the decision (:mod:`.decide`): answer or abstain, one calibrated model;
5. reading (:mod:`.reader`), when a reader is loaded: it reads the best candidates against
   the question, reorders them and decides among answered, related and not found;
6. snippets and citations (:mod:`.snippets`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openai_deals.retrieval.analyzer import ANALYZER_VERSION, Analyzer, default_analyzer
from openai_deals.retrieval.answering.backend import SparseBackend
from openai_deals.retrieval.answering.decide import (
    LEXICAL,
    SEMANTIC,
    Decision,
    DecisionModel,
    features,
)
from openai_deals.retrieval.answering.query import Query, QueryAnalyzer
from openai_deals.retrieval.answering.reader import Reader, load_reader
from openai_deals.retrieval.answering.reader.stage import ReaderPolicy, outcome, policy_of, read
from openai_deals.retrieval.answering.rerank import (
    LEXICAL_WEIGHTS,
    SEMANTIC_WEIGHTS,
    Candidate,
    Evidence,
    Weights,
    rank,
)
from openai_deals.retrieval.answering.snippets import MAX_SOURCES_PER_SNIPPET, make_snippets
from openai_deals.retrieval.indexing.cache import load_or_build, owned_cache_dir
from openai_deals.retrieval.indexing.embeddings import Embedder, VectorCache, load_embedder
from openai_deals.retrieval.indexing.index import Index, Params
from openai_deals.retrieval.indexing.prune import MODELS_FOLDER, prune, stamp_use
from openai_deals.retrieval.indexing.use_files import model_version
from openai_deals.retrieval.model import MAX_K, MIN_K, MONTHS_FR, Answer, Article, Status
from openai_deals.retrieval.text import normalise_typing

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # enough for any real question; a pasted article stays cheap
CANDIDATE_POOL = 100  # best BM25 sentences reranked; room for merged duplicates
SEMANTIC_POOL = 20  # nearest sentence vectors added to them (the "rescue")

_DATE_WORDS = (*MONTHS_FR, "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class LoadStats:
    """How ``load_engine`` got its engine: the index from the cache or built (and how many
    articles that build analysed, the others coming from the per-article cache), and how
    many sentences it had to embed (the others coming from the vector cache)."""

    index_from_cache: bool
    analysed_articles: int
    embedded_sentences: int


class Engine:
    """Answers questions from an :class:`Index`. Thread-safe: answering only reads.

    Args:
        index: the built index.
        params: retrieval parameters (the index's, and the ranking weights).
        embedder: the sentence embedder the ``vectors`` were made with, or None for the
            lexical path alone.
        vectors: one row per sentence of ``index`` (float16 or float32).
        decision: the abstention model; by default the one fitted for this path.
        reader: the cross-encoder that reads the best candidates, or None (the first
            stages decide alone).
        policy: how the reader's probabilities are used.
    """

    def __init__(
        self,
        index: Index,
        params: Params = Params(),
        analyzer: Analyzer | None = None,
        *,
        embedder: Embedder | None = None,
        vectors: np.ndarray | None = None,
        weights: Weights | None = None,
        decision: DecisionModel | None = None,
        reader: Reader | None = None,
        policy: ReaderPolicy | None = None,
    ):
        built_with = index.analyzer_version
        if built_with is not None and built_with != ANALYZER_VERSION:
            raise ValueError(
                f"index built with analyzer {built_with}, this code has {ANALYZER_VERSION}"
            )
        if (embedder is None) != (vectors is None):
            raise ValueError("embedder and vectors go together")
        if vectors is not None and len(vectors) != len(index):
            raise ValueError(f"{len(vectors)} vectors for {len(index)} sentences")
        self.index = index
        self.params = params
        self.analyzer = analyzer or default_analyzer()
        self.embedder = embedder
        # float32 once: numpy has no fast float16 matrix product.
        self._vectors = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        self.weights = weights or (SEMANTIC_WEIGHTS if embedder else LEXICAL_WEIGHTS)
        self.decision = decision or (SEMANTIC if embedder else LEXICAL)
        self.reader = reader
        self.policy = policy or policy_of(reader)
        self.backend = SparseBackend(index, params)
        date_terms = frozenset(filter(None, map(self.analyzer.term_of, _DATE_WORDS)))
        self._evidence = Evidence(index, self.analyzer, date_terms)
        self._queries: QueryAnalyzer | None = None
        self.stats: LoadStats | None = None  # set by load_engine

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles the engine answers from, oldest first."""
        return tuple(sorted(self.index.articles, key=lambda a: (a.date, a.article_id)))

    @property
    def semantic(self) -> bool:
        """True when sentence embeddings take part in ranking and deciding."""
        return self.embedder is not None

    def topics(self, n: int = 5) -> tuple[str, ...]:
        """What the corpus is about, derived from it so that a new article's subject shows
        up: the parties of the deals it reports first ("Google", "Anthropic": the names
        people ask about), then the other names the most articles mention ("ChatGPT").
        Within each group, the names more articles mention come first."""
        rank = {name: i for i, name in enumerate(self.index.names)}
        parties = dict.fromkeys(p for deal in self.index.deals for p in deal.parties)
        first = sorted(parties, key=lambda p: (rank.get(p, len(rank)), p))
        rest = [name for name in self.index.names if name not in parties]
        return tuple([*first, *rest][:n])

    @property
    def queries(self) -> QueryAnalyzer:
        """The question analyzer for this corpus (built on first use: it reads the
        corpus's names for spelling correction)."""
        if self._queries is None:
            names = {t for name in self.index.names for t in self.analyzer.terms(name)}
            self._queries = QueryAnalyzer(
                self.analyzer,
                self.backend.doc_freq,
                self.backend.n_docs,
                self.index.vocabulary,
                names,
            )
        return self._queries

    def contextualise(self, previous: str | None, follow_up: str) -> str:
        """``follow_up`` read after ``previous`` (see :mod:`.followup`): unchanged when it
        stands alone."""
        from openai_deals.retrieval.answering.followup import contextualise

        return contextualise(self.queries, previous, follow_up)

    # -- answering ----------------------------------------------------------------------------

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer:
        """Answer ``question`` with up to ``k`` cited snippets, skipping the first ``offset``.

        Never raises for any string: an empty or off-topic question gets an abstention.
        """
        k = max(MIN_K, min(int(k), MAX_K))
        offset = max(0, int(offset))
        # A lone surrogate (JSON allows "\ud800") cannot be encoded: the embedder would raise.
        question = (question or "").encode("utf-8", "replace").decode("utf-8")
        question = " ".join(question.split())
        q = self.queries.analyse(question[:MAX_QUESTION_CHARS])
        if not q.terms:
            return Answer(question, (), Status.NO_KEYWORDS)
        ranked, decision = self.search(q)
        # The reader reads the question as the analyzer does: one apostrophe, no invisible
        # characters, so the way it was typed never changes the answer.
        read_as = normalise_typing(question[:MAX_QUESTION_CHARS])
        status, confidence, shown = self._outcome(read_as, ranked, decision)
        if status is Status.NOT_FOUND:
            return Answer(
                question, (), status, terms=q.terms, topics=self.topics(), confidence=confidence
            )
        # One group past the page says whether there is more.
        groups = self._merge_duplicates(shown, offset + k + 1)
        page = groups[offset : offset + k]
        if not page:
            return Answer(question, (), Status.NO_MORE, terms=q.terms, confidence=confidence)
        query_terms = set(q.terms) | set(q.corrections)
        # A related passage is no answer: nothing in it is shown as one.
        kind = q.kind if status is Status.ANSWERED else None
        return Answer(
            question=question,
            snippets=tuple(
                make_snippets(
                    self.index,
                    self.analyzer,
                    [[(c.index, c.score) for c in g] for g in page],
                    query_terms,
                    kind,
                )
            ),
            status=status,
            has_more=len(groups) > offset + k,
            terms=q.terms,
            confidence=confidence,
        )

    def _outcome(
        self, question: str, ranked: list[Candidate], decision: Decision
    ) -> tuple[Status, float, list[Candidate]]:
        """Answered, related or not found; the confidence; the candidates to show, best first.

        With a reader, its probability for the best sentence, combined with the first stages'
        decision as the policy says, is the confidence; without one (or if it fails), the
        decision model alone answers or abstains, as before the reader existed.
        """
        if self.reader is not None and ranked:
            try:
                reading = read(self.reader, self.index, question, ranked, self.policy)
            except Exception:  # a damaged model at run time: answer without it, loudly
                logger.exception("Reader failed; answering with the first stages alone")
            else:
                return outcome(reading, decision.probability, self.policy)
        status = Status.ANSWERED if decision.answer else Status.NOT_FOUND
        return status, decision.probability, self._followers(ranked) if ranked else []

    def search(self, q: Query) -> tuple[list[Candidate], Decision]:
        """The ranked candidates for an analysed question, and the decision on the best."""
        ranked = rank(self.candidates(q), self.weights, self.index.position)
        return ranked, self.decide(q, ranked)

    def candidates(self, q: Query) -> list[Candidate]:
        """BM25's best sentences, plus the nearest by vector, with their evidence (unranked)."""
        # A month or year is matched as a date (rerank's `dated`), not as a word: "novembre"
        # in a sentence about November 2019 says nothing about November 2023.
        words = [t for t in q.terms if t not in q.date_terms] or list(q.terms)
        ids, bm25 = self.backend.candidates(words, CANDIDATE_POOL)
        scores = dict(zip(ids.tolist(), bm25.tolist(), strict=True))
        cosines: dict[int, float] = {}
        if self._vectors is not None and self.embedder is not None:
            sims = self._vectors @ self.embedder.query(q.text)
            n = min(SEMANTIC_POOL, len(sims) - 1)
            for i in np.argpartition(-sims, n)[: n + 1].tolist():
                if not self.index.heading[i]:
                    scores.setdefault(i, 0.0)
            cosines = {i: float(sims[i]) for i in scores}
        return self._evidence.measure_all(
            q, scores, cosines, self.params.window, self.weights.proximity
        )

    def decide(self, q: Query, ranked: list[Candidate]) -> Decision:
        """Answer or abstain, from the evidence of the best-ranked candidate."""
        if not ranked:
            return Decision(False, 0.0, ())
        best = ranked[0]
        names_cos = 0.0
        if self._vectors is not None and self.embedder is not None and q.names:
            # Does the sentence say something about the question, not just about its names?
            names_cos = float(self._vectors[best.index] @ self.embedder.query(q.names_text))
        x = features(q, best, names_cos, max(c.cosine for c in ranked))
        if not best.coverage:
            # No word of the question in the sentence nor around it: the tune split holds no
            # such question, so the fitted model would only be extrapolating ("la recette de
            # la tarte tatin" would get its names credit for having no names).
            return Decision(False, 0.0, x)
        p = self.decision.probability(x)
        return Decision(p >= self.decision.threshold, p, x)

    def _followers(self, ranked: list[Candidate]) -> list[Candidate]:
        """The best sentence and those close enough behind it to be worth showing."""
        best = ranked[0].score
        return [
            c
            for c in ranked
            if c.score >= self.params.follower_score_ratio * best and (c.own_hit or c.cosine)
        ]

    def _merge_duplicates(self, hits: list[Candidate], limit: int) -> list[list[Candidate]]:
        """Near-duplicate sentences (of different articles) as one group, best first; stops
        at ``limit`` groups. Each hit is compared with every group so far, so merging all of
        a large corpus's followers cost 8 ms an answer at 100k sentences; a hit ranked after
        ``limit`` other groups would only add a further source to a shown one."""
        groups: list[list[Candidate]] = []
        for hit in hits:
            if len(groups) >= limit:
                break
            for group in groups:
                head = group[0]
                union = len(head.terms | hit.terms) or 1
                if len(head.terms & hit.terms) / union >= self.params.duplicate_jaccard:
                    if len(group) < MAX_SOURCES_PER_SNIPPET and all(
                        self.index.article_of[h.index] != self.index.article_of[hit.index]
                        for h in group
                    ):
                        group.append(hit)
                    break
            else:
                groups.append([hit])
        return groups


def load_engine(
    corpus_dir: Path,
    index_dir: Path,
    params: Params = Params(),
    *,
    embeddings: str = "use",
    reader: str = "default",
    rebuild: bool = False,
    n_process: int = 1,
    progress: Callable[[], None] | None = None,
    embed_progress: Callable[[int, int], None] | None = None,
    must_save: bool = False,
    shared_cache: Path | None = None,
    prune_after_build: bool = True,
    on_build: Callable[[int], None] | None = None,
) -> Engine:
    """Load the cached index of ``corpus_dir`` from ``index_dir`` (building it if it is
    missing or stale), embed its sentences (only those not cached yet) with the
    ``embeddings`` model ("use", "e5" or "none"), load the ``reader`` ("default", "none" or
    a weights folder, see :func:`.reader.load_reader`), and return an Engine over them.

    ``shared_cache`` (``Settings.shared_cache_dir``) is the user's cache folder where every
    index finds one copy of the model files; None keeps them in the index's own folder.
    After a build, what the cache no longer needs is removed (``prune.prune``) unless
    ``prune_after_build`` is False. ``on_build(articles)``: see ``cache.load_or_build``.

    Raises:
        CacheSaveError: with ``must_save``, a built index could not be saved
            (see ``cache.load_or_build``).
    """
    index, cached = load_or_build(
        corpus_dir,
        index_dir,
        params,
        rebuild=rebuild,
        n_process=n_process,
        progress=progress,
        must_save=must_save,
        on_build=on_build,
    )
    stamp_use(index_dir)
    # The vector cache goes in the store's own folder, never in index_dir itself; the model's
    # files in the shared folder when there is one, else there too.
    cache_dir = owned_cache_dir(index_dir)
    embedder = load_embedder(embeddings, _model_dir(shared_cache) or cache_dir)
    vectors = None
    embedded = 0
    if embedder is not None:
        cache = VectorCache(cache_dir, embedder)
        # The sentences as the analyzer reads them (one apostrophe, no invisible characters),
        # as questions are: the same words typed two ways get the same vector.
        texts = [normalise_typing(text) for text in index.texts()]
        vectors = cache.vectors(texts, embed_progress)
        embedded = cache.embedded
        if embedded:
            logger.info("Embedded %d new sentences with %s", embedded, embedder.name)
    logger.info(
        "Index %s: %d sentences from %d articles (%s, embeddings %s, reader %s)",
        index_dir,
        len(index),
        len(index.articles),
        "cache" if cached else "built",
        embedder.name if embedder else "off",
        reader,
    )
    engine = Engine(
        index, params, embedder=embedder, vectors=vectors, reader=load_reader(reader)
    )
    engine.stats = LoadStats(cached, 0 if cached else index.analysed_articles, embedded)
    if not cached and prune_after_build:
        prune(index_dir, shared_cache, model_version())
    return engine


def _model_dir(shared_cache: Path | None) -> Path | None:
    """The shared folder of the model's files, created if needed; None if there is none or
    it cannot be created (the model then reads its files from its own package)."""
    if shared_cache is None:
        return None
    folder = shared_cache / MODELS_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        logger.warning("Could not create the model cache %s (%s); continuing.", folder, exc)
        return None
    return folder
