"""Text clean-up applied to every article body before it is split into sentences.

Each rule answers a defect seen in the collected articles (see ../shared/seeds/README.md) and
is idempotent, so a cleaned file can be cleaned again without change.
"""

from __future__ import annotations

import re
import unicodedata

# Whole lines that are site furniture, not article text (compared case-insensitively,
# trailing punctuation and spaces ignored).
FURNITURE_LINES: tuple[str, ...] = (
    r"spread the love",
    r"publicit[ée]",
    r"leave a reply",
    r"poster un commentaire",
    r"vous devez [êe]tre connect[ée].*",
    r"d[ée]j[àa] membre \?.*",
    r"je ne suis pas encore membre.*",
    r"source-\d+",
    r"partager( cet article)?",
    r"lire aussi.*",
    # Kept by trafilatura when a site puts them in the article's own paragraphs:
    r"partager sur .*",
    r"tous droits r[ée]serv[ée]s.*",
    r"(publi[ée]|mis à jour|modifi[ée]) le (\d{1,2}(er)? \w+|\d{1,2}/\d{1,2}/)\s?\d{4}"
    r"( à \d{1,2} ?h ?\d{0,2})?",
)
# Sentences of a paywall notice. Sites chain them on one line ("Article réservé aux abonnés.
# Abonnez-vous pour lire la suite…"), so a line made of these sentences only is furniture.
PAYWALL_SENTENCES: tuple[str, ...] = (
    r"(?:(?:cet |l’)?article (?:est )?)?r[ée]serv[ée] aux abonn[ée]s",
    r"la suite (?:de cet article )?est r[ée]serv[ée]e aux abonn[ée]s",
    r"il vous reste \d+ ?% de cet article à lire",
    r"d[ée]j[àa] abonn[ée] \? ?(?:se connecter|connectez-vous|identifiez-vous)",
    r"(?:pour lire la suite, )?abonnez-vous[^.!?…]*",
)
_FURNITURE = re.compile(r"^\s*(?:" + "|".join(FURNITURE_LINES) + r")\s*[.…!]*\s*$", re.IGNORECASE)
_PAYWALL_SENTENCE = r"(?:" + "|".join(PAYWALL_SENTENCES) + r")\s*[.…!]*"
_PAYWALL = re.compile(rf"^\s*{_PAYWALL_SENTENCE}(?:\s*{_PAYWALL_SENTENCE})*\s*$", re.IGNORECASE)

_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "‘": "’", "`": "’", "´": "’"})
_NBSP = re.compile(r"[\u00a0\u202f\u2007\u2009\u200b]")
_GLUED_AFTER_STOP = re.compile(r"(?<=[a-zà-ÿ\d)»\"”][.!?…])(?=[«\"“]|[A-ZÀ-Ý][a-zà-ÿ])")
_GLUED_AFTER_QUOTE = re.compile(r"(?<=»)(?=[«A-ZÀ-Ý])")
_GLUED_CLOSE_OPEN = re.compile(r"»\s*([.!?…])\s*«")
_OPEN_GUILLEMET = re.compile(r"«\s*")
_CLOSE_GUILLEMET = re.compile(r"\s*»")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.)])")
_STRAY_DOT = re.compile(r"(?<=[.!?])\s+\.(?=\s|$)")
_MULTISPACE = re.compile(r"[ \t]{2,}")


def normalize(text: str) -> str:
    """Unicode NFC, one apostrophe (’), plain spaces, « guillemets » spaced the French way."""
    text = unicodedata.normalize("NFC", text)
    text = _NBSP.sub(" ", text).translate(_APOSTROPHES)
    text = _GLUED_CLOSE_OPEN.sub(r"»\1 «", text)
    text = _OPEN_GUILLEMET.sub("« ", text)
    text = _CLOSE_GUILLEMET.sub(" »", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _STRAY_DOT.sub("", text)
    return _MULTISPACE.sub(" ", text).strip()


def repair_glued_sentences(text: str) -> str:
    """Put back the space lost between two sentences: "recherche.Selon", "».Anthropic"."""
    text = _GLUED_AFTER_QUOTE.sub(" ", text)
    return _GLUED_AFTER_STOP.sub(" ", text)


def is_furniture(line: str) -> bool:
    """True for a line of site furniture ("Spread the love", "Leave a Reply", "Source-146"),
    or a paywall notice of one or more sentences ("Article réservé aux abonnés. Abonnez-vous
    pour lire la suite…")."""
    return bool(_FURNITURE.match(line) or _PAYWALL.match(line))


def clean_body(body: str, title: str = "") -> list[str]:
    """Clean an article body into paragraphs: furniture and repeated titles dropped,
    text normalised and glued sentences repaired."""
    paragraphs: list[str] = []
    norm_title = normalize(title).casefold() if title else ""
    for line in body.splitlines():
        line = normalize(line)
        if not line or is_furniture(line):
            continue
        if norm_title and line.casefold() == norm_title:
            continue
        paragraphs.append(repair_glued_sentences(line))
    return paragraphs
