"""French (and English) lemma lookup tables from the ``spacy-lookups-data`` package.

Read from the package's gzipped JSON (no spaCy import, nothing downloaded): the analyzer
lemmatises a word before stemming it, which joins forms the Snowball stemmer alone keeps apart
("prévu" → "prévoir", "petite"/"petit", "concurrencent" → "concurrencer"), and the set of known
words tells a common word from a name the corpus has never seen.

Parsing the JSON takes 0.5 to 0.8 s, most of a cold start on the lexical path; the parsed
tables are kept in the user's cache directory with ``marshal`` (plain data only, loaded in
0.2 s, never code), under the package's version, so an upgrade of the data is read afresh.

People type without accents (« modele », « decrit », « parametres »): a third table maps
each accent-free spelling of an accented French form to its lemma, so that « decrit » is
lemmatised like « décrit » and counts as a known word, not as a typo to correct.
"""

from __future__ import annotations

import gzip
import json
import logging
import marshal
from functools import lru_cache
from pathlib import Path

import platformdirs
import spacy_lookups_data

from openai_deals.retrieval.files import write_atomically
from openai_deals.retrieval.text import fold_accents

logger = logging.getLogger(__name__)

_TABLES = ("fr_lemma_lookup", "en_lemma_lookup")
_FOLDED = "fr_folded_lookup"
_LAYOUT = 2  # bump when the cached tables change shape


def _folded(lemmas: dict[str, str]) -> dict[str, str]:
    """Accent-free spelling → lemma, for the accented forms only. A spelling that is itself a
    form (« ou », « a », « mais ») keeps its own lemma; one that two forms of different
    lemmas share (« peche »: pêche, péché) is left out rather than guessed."""
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    # The lemmas are forms too (« société » is only ever a value of the table).
    pairs = [*lemmas.items(), *((lemma, lemma) for lemma in set(lemmas.values()))]
    for form, lemma in pairs:
        key = fold_accents(form)
        if key == form or key in lemmas or key in ambiguous:
            continue
        if out.setdefault(key, lemma) != lemma:
            del out[key]
            ambiguous.add(key)
    return out


def _parse(name: str) -> dict[str, str]:
    raw = json.loads(gzip.decompress(spacy_lookups_data.get_file(f"{name}.json.gz").read_bytes()))
    # Values are a lemma or a list of candidate lemmas: keep the first.
    return {k: (v[0] if isinstance(v, list) else v) for k, v in raw.items() if v}


def cache_path() -> Path:
    """Where the parsed tables are kept (one file per version of the data package)."""
    version = getattr(spacy_lookups_data, "__version__", "unknown")
    name = f"lemma-tables-{version}-{_LAYOUT}.marshal"
    return platformdirs.user_cache_path("openai-deals") / name


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    path = cache_path()
    try:
        tables = marshal.loads(path.read_bytes())
        if isinstance(tables, dict) and all(
            isinstance(tables.get(n), dict) for n in (*_TABLES, _FOLDED)
        ):
            return tables
        logger.warning("Lemma cache %s has an unknown layout; parsing the tables again.", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError, TypeError) as exc:
        logger.warning("Lemma cache %s unreadable (%s); parsing the tables again.", path, exc)
    tables = {name: _parse(name) for name in _TABLES}
    tables[_FOLDED] = _folded(tables["fr_lemma_lookup"])
    _save(path, marshal.dumps(tables))
    return tables


def _save(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OSError as exc:  # a read-only home: parse at every start, as before
        logger.debug("Could not keep the lemma tables in %s (%s)", path, exc)


def french_lemmas() -> dict[str, str]:
    """Inflected French form → lemma ("investi" → "investir")."""
    return _tables()["fr_lemma_lookup"]


def folded_french_lemmas() -> dict[str, str]:
    """Accent-free spelling of an accented French form → lemma ("decrit" → "décrire")."""
    return _tables()[_FOLDED]


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every French and English word form the lookup tables know (lower case), and the
    accent-free spellings of the French ones."""
    fr, en = (_tables()[n] for n in _TABLES)
    return (
        frozenset(fr)
        | frozenset(fr.values())
        | frozenset(en)
        | frozenset(en.values())
        | frozenset(folded_french_lemmas())
    )
