"""French (and English) lemma lookup tables from the ``spacy-lookups-data`` package.

Read straight from the package's gzipped JSON (0.2 s, no spaCy import, nothing downloaded):
the analyzer lemmatises a word before stemming it, which joins forms the Snowball stemmer
alone keeps apart ("prévu" → "prévoir", "petite"/"petit", "concurrencent" → "concurrencer"),
and the set of known words tells a common word from a name the corpus has never seen.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache

import spacy_lookups_data


def _table(name: str) -> dict[str, str]:
    raw = json.loads(gzip.decompress(spacy_lookups_data.get_file(name).read_bytes()))
    # Values are a lemma or a list of candidate lemmas: keep the first.
    return {k: (v[0] if isinstance(v, list) else v) for k, v in raw.items() if v}


@lru_cache(maxsize=1)
def french_lemmas() -> dict[str, str]:
    """Inflected French form → lemma ("investi" → "investir")."""
    return _table("fr_lemma_lookup.json.gz")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every French and English word form the lookup tables know (lower case)."""
    fr = french_lemmas()
    en = _table("en_lemma_lookup.json.gz")
    return frozenset(fr) | frozenset(fr.values()) | frozenset(en) | frozenset(en.values())
