"""Property-based: whatever Unicode people type, analysing and answering never raise."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openai_deals.retrieval.analyzer import default_analyzer
from openai_deals.retrieval.model import Status

# Any code point (surrogates, controls, bidi overrides, combining marks, emoji...), plus runs of
# the characters the analyzer treats specially, so that both random and tricky text come up.
TRICKY = "’'-–—.,;:!?«»%€$0123456789 \t\n\u00a0\u202e\u200b\x00"
TEXT = st.text(st.characters(codec=None), max_size=300) | st.text(
    st.sampled_from(TRICKY) | st.characters(categories=("L", "N")), max_size=300
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_the_analyzer_never_raises(text):
    """Tokens and terms come back for any text, and every term is a non-empty string."""
    analyzer = default_analyzer()
    tokens = analyzer.tokens(text)
    terms = analyzer.terms(text)
    assert all(isinstance(t, str) and t for t in terms)
    assert isinstance(tokens, list)


@FAST
@given(TEXT, st.integers(min_value=1, max_value=10), st.integers(min_value=0, max_value=50))
@example("0\ud800", 1, 0)  # a lone surrogate (JSON allows it) once crashed the embedder
@example("Microsoft \udfff investi ?", 3, 0)
def test_answer_never_raises(engine, question, k, offset):
    """Engine.answer returns an Answer for any question, page size and offset."""
    answer = engine.answer(question, k=k, offset=offset)
    assert isinstance(answer.status, Status)
    assert len(answer.snippets) <= k
    assert all(s.text for s in answer.snippets)
