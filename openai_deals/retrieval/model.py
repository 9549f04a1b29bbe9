"""The records retrieval hands to its callers: frozen, Slack-agnostic, easy to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


# How many snippets one page of an answer holds: decided here, once, for the settings (TOP_K),
# the command line (--k) and the engine. Ten quotes already fill a Slack message.
MIN_K, MAX_K = 1, 10


def check_k(k: int) -> int:
    """Return ``k`` if it is a valid page size (snippets per answer).

    Raises:
        ValueError: ``k`` is not an integer from ``MIN_K`` to ``MAX_K``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        raise ValueError(f"must be an integer from {MIN_K} to {MAX_K}, not {k!r}")
    return k


def month_label_fr(date: str) -> str:
    """Render an ISO date or month ("2023-02", "2023-02-07", "2023") as "février 2023".

    Anything unparseable is returned unchanged, so a hand-written date still shows.
    """
    parts = date.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return str(year)
        month = int(parts[1])
        if not 1 <= month <= 12:
            return date
    except ValueError:
        return date
    return f"{MONTHS_FR[month - 1]} {year}"


@dataclass(frozen=True)
class Article:
    """One article of the corpus, as its front matter describes it."""

    article_id: str
    title: str
    date: str  # ISO month or day: "2023-02" or "2023-02-07"
    source: str  # publisher or original source named by the text; "" when unknown
    language: str = "fr"
    url: str = ""

    @property
    def date_label(self) -> str:
        return month_label_fr(self.date)


@dataclass(frozen=True)
class Source:
    """A citation: which article a snippet comes from and its number in the answer."""

    article_id: str
    title: str
    date: str
    source: str
    citation: int  # 1-based, numbered in order of first appearance in the answer

    @property
    def date_label(self) -> str:
        return month_label_fr(self.date)


@dataclass(frozen=True)
class Snippet:
    """A cited sentence (sometimes with one neighbour for context).

    ``sources`` holds every article where the same sentence appears (near-duplicates are
    merged); the first is the best-scoring one. ``highlights`` are ``(start, end)`` character
    spans of ``text`` whose words match the question's terms.
    """

    text: str
    sentence_ids: tuple[str, ...]
    sources: tuple[Source, ...]
    score: float
    highlights: tuple[tuple[int, int], ...] = ()
    # The part of ``text`` that answers the question's type (the amount for "combien", the
    # date for "quand", the person for "qui", the licence), when there is one.
    answer_span: tuple[int, int] | None = None

    @property
    def primary(self) -> Source:
        return self.sources[0]

    @property
    def marked(self) -> tuple[tuple[int, int], ...]:
        """The spans a surface shows in bold: the question's words and the answer span,
        sorted, overlapping ones merged."""
        spans = sorted((*self.highlights, *([self.answer_span] if self.answer_span else [])))
        out: list[tuple[int, int]] = []
        for start, end in spans:
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return tuple(out)

    @property
    def citations(self) -> tuple[int, ...]:
        return tuple(s.citation for s in self.sources)


class Status(str, Enum):
    """What became of a question. Surfaces word each outcome (``openai_deals.messages``)."""

    ANSWERED = "answered"
    # The articles talk about it but no sentence states the answer: the nearest passages are
    # shown as such, never as an answer.
    RELATED = "related"
    NOT_FOUND = "not_found"  # the articles hold no answer: abstain ("je ne sais pas")
    NO_KEYWORDS = "no_keywords"  # nothing searchable in the question ("et alors ?")
    NO_MORE = "no_more"  # answered before, but no snippet is left past this page


@dataclass(frozen=True)
class Answer:
    """The answer to one question: up to k snippets, or the reason there are none."""

    question: str
    snippets: tuple[Snippet, ...]
    status: Status
    has_more: bool = False  # more relevant snippets exist past this page
    terms: tuple[str, ...] = field(default=())  # the analysed query terms, for logs and debug
    # With NOT_FOUND: the names the corpus talks about most, so people see what it covers.
    topics: tuple[str, ...] = field(default=())
    # How likely the first snippet answers the question (0-1): the reader's probability, or
    # the decision model's without a reader.
    confidence: float = 0.0

    @property
    def abstained(self) -> bool:
        return self.status is not Status.ANSWERED


# -- Deals: who invested what in whom, as the articles report it ------------------------------


class DealKind(str, Enum):
    """What a deal term is about. Surfaces word each kind (``openai_deals.messages``)."""

    INVESTMENT = "investment"
    STAKE = "stake"
    VALUATION = "valuation"
    PROFIT_SHARE = "profit_share"
    LICENCE = "licence"
    CLOUD = "cloud_exclusivity"
    HIRE = "hire"
    RELEASE = "release"


@dataclass(frozen=True)
class Amount:
    """An amount as the sentence writes it and as a number.

    ``value`` is in ``unit``: "USD" or "EUR" for money (1e9 for "1 milliard de dollars"),
    "share" for a share of a whole (0.10 for "10 %", 0.75 for "les trois quarts").
    ``qualifier`` says how the text bounds it: "" (exactly), "about", "at_least" ("plusieurs
    milliards": 2e9 at least), "more_than", "less_than", "up_to".
    """

    text: str
    value: float
    unit: str
    qualifier: str = ""

    @property
    def is_money(self) -> bool:
        return self.unit != "share"


@dataclass(frozen=True)
class DealTerm:
    """One thing a deal gives: an investment of an amount, a stake, a licence on a product…

    ``subject`` names what is licensed, released or who is hired ("GPT-3", "Sam Altman").
    """

    kind: DealKind
    amount: Amount | None = None
    subject: str = ""
    exclusive: bool = False


@dataclass(frozen=True)
class DealDate:
    """When a deal happened: an ISO year or month, or a period from ``start`` to ``end``.

    ``stated`` holds the sentence's own words for it ("juillet 2019", "entre 2019 et début
    2023"); it is empty when the date is the article's.
    """

    start: str
    end: str = ""
    stated: str = ""

    @property
    def year(self) -> int:
        return int(self.start[:4])

    @property
    def label(self) -> str:
        """French: "juillet 2019", "2019 – 2023"."""
        if self.end and self.end[:4] != self.start[:4]:
            return f"{month_label_fr(self.start)} – {month_label_fr(self.end)}"
        return month_label_fr(self.start)


@dataclass(frozen=True)
class Citation:
    """A sentence a deal is read from, with the article it comes from."""

    sentence_id: str
    text: str
    article_id: str
    title: str
    date: str
    source: str

    @property
    def date_label(self) -> str:
        return month_label_fr(self.date)


@dataclass(frozen=True)
class Deal:
    """A deal or milestone the articles report, merged across the articles that report it.

    ``parties`` are normalised names; for money the giver comes first ("Microsoft",
    "OpenAI"). ``reported`` is True when the articles only report it as hearsay ("aurait",
    "selon certaines rumeurs", "des sources ont rapporté"); ``attribution`` names the sources
    they credit ("New York Times"). ``notes`` are the sentence's own precisions
    ("environ la moitié sous forme de crédits Azure").
    """

    parties: tuple[str, ...]
    terms: tuple[DealTerm, ...]
    date: DealDate
    reported: bool
    citations: tuple[Citation, ...]
    attribution: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> DealKind:
        return self.terms[0].kind

    @property
    def partnership(self) -> frozenset[str]:
        return frozenset(self.parties)


@dataclass(frozen=True)
class Partnership:
    """The deals between the same parties, oldest first: one lane of the timeline."""

    parties: tuple[str, ...]
    deals: tuple[Deal, ...]
