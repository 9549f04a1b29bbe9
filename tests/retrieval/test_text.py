"""The one ``shorten``: used by the engine for snippets and by Slack for its size limits."""

from __future__ import annotations

import pytest

from openai_deals.retrieval.text import ELLIPSIS, shorten


@pytest.mark.parametrize("limit", [40, 80, 120, 200, 350])
def test_shorten_never_exceeds_the_limit(limit):
    """Whatever the limit and the matches, the result fits and starts like the sentence."""
    text = "Début de phrase " + "mot " * 150 + "fin avec Microsoft."
    keep = [(text.index("Microsoft"), len(text) - 1)]
    short = shorten(text, limit, keep)
    assert len(short) <= limit and short.startswith("Début")


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    """Long sentences are cut at a word boundary and say so."""
    text = "mot " * 200
    short = shorten(text, 50)
    assert len(short) <= 50 and short.endswith(ELLIPSIS) and not short.endswith(" …")


@pytest.mark.parametrize("limit", [0, 1])
def test_shorten_to_almost_nothing_still_fits(limit):
    """A limit too small for any word gives at most the ellipsis, never more than asked."""
    assert shorten("Microsoft investit", limit) == ELLIPSIS[:limit]


def test_text_that_fits_is_returned_unchanged():
    """Nothing is cut, nor any ellipsis added, when the text fits."""
    assert shorten("Microsoft investit", 18) == "Microsoft investit"
