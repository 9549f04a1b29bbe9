"""Ingestion: the defects listed in ../shared/seeds/README.md never reach a snippet."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_deals.retrieval.ingestion.clean import (
    clean_body,
    is_furniture,
    normalize,
    repair_glued_sentences,
)
from openai_deals.retrieval.ingestion.corpus import (
    ArticleFile,
    CorpusFileError,
    Issue,
    corpus_listing,
    parse_article,
    read_corpus,
)
from openai_deals.retrieval.ingestion.sentences import repair_sentences, split_articles
from openai_deals.retrieval.model import Article

CORPUS = Path(__file__).resolve().parents[3] / "openai_deals" / "corpus"


@pytest.mark.parametrize(
    "line",
    [
        "Spread the love",
        "publicité",
        "Leave a Reply",
        "Poster un commentaire",
        "Vous devez être connecté pour poster un commentaire.",
        "Déjà membre ? Je me connecte.",
        "Source-146",
    ],
)
def test_site_furniture_is_recognised(line):
    """Every kind of site furniture named in the seeds' README is dropped."""
    assert is_furniture(line)
    assert clean_body(f"Une vraie phrase de l’article.\n{line}\n") == [
        "Une vraie phrase de l’article."
    ]


def test_article_text_is_not_furniture():
    """A sentence that merely mentions advertising stays."""
    assert not is_furniture("La publicité en ligne finance le site.")


def test_repeated_title_line_is_dropped():
    """The title repeated as the first body line (seed 000) is not a sentence."""
    body = "GPT3 : OpenAI cède sa licence à Microsoft\n\nA l’occasion de la conférence Ignite."
    assert clean_body(body, title="GPT3 : OpenAI cède sa licence à Microsoft") == [
        "A l’occasion de la conférence Ignite."
    ]


@pytest.mark.parametrize(
    ("glued", "repaired"),
    [
        ("de cette technologie.Anthropic est", "de cette technologie. Anthropic est"),
        ("« risque de réputation ».Anthropic", "« risque de réputation ». Anthropic"),
        ("ont été formidables ».« Les trois", "ont été formidables ». « Les trois"),
        ("publié le mois dernier.« Nous avons", "publié le mois dernier. « Nous avons"),
        ("la version 2.0 du modèle", "la version 2.0 du modèle"),  # not a sentence end
    ],
)
def test_glued_sentences_are_separated(glued, repaired):
    """A missing space after a full stop or a closing guillemet is put back (seed 002)."""
    assert repair_glued_sentences(normalize(glued)) == repaired


def test_normalize_unifies_apostrophes_spaces_and_guillemets():
    """NFC, one apostrophe, plain spaces, French spacing inside « »."""
    assert normalize("l'IA\u00a0:  «Parce que»") == "l’IA : « Parce que »"
    assert normalize("e\u0301vince\u0301") == "évincé"


def test_trailing_open_guillemet_moves_to_next_sentence():
    """The sentencizer leaves « at the end of the previous sentence: it is moved back."""
    pieces = ["Il l’a dit dans un communiqué. «", "Microsoft partage nos valeurs. »"]
    assert repair_sentences(pieces) == [
        "Il l’a dit dans un communiqué.",
        "« Microsoft partage nos valeurs. »",
    ]


def test_fragments_are_merged():
    """A one- or two-word piece joins its neighbour instead of becoming a sentence."""
    assert repair_sentences(["Microsoft a investi dans OpenAI.", "Oui."]) == [
        "Microsoft a investi dans OpenAI. Oui."
    ]


def _article(body: str) -> ArticleFile:
    article = Article("a1", "Titre", "2023-01", "")
    return ArticleFile(article, body, Path("a1.md"))


def test_sentences_have_stable_ids_and_headings():
    """Ids are "<article>#<position>"; intertitles and interview questions are headings."""
    body = (
        "Winner takes all\n\nMicrosoft a signé un accord. Il vaut un milliard.\n\n"
        "Question: que fait Microsoft?\n\nRéponse: Microsoft investit encore."
    )
    [(_, sentences)] = list(split_articles([_article(body)]))
    assert [s.sid for s in sentences] == [f"a1#{i}" for i in range(len(sentences))]
    assert [(s.text, s.heading) for s in sentences] == [
        ("Winner takes all", True),
        ("Microsoft a signé un accord.", False),
        ("Il vaut un milliard.", False),
        ("Question: que fait Microsoft?", True),
        ("Microsoft investit encore.", False),  # the "Réponse:" label is not shown
    ]


def test_bundled_corpus_has_no_defect_left():
    """No sentence of the bundled corpus is furniture, a fragment, or glued to the next."""
    files, problems = read_corpus(CORPUS)
    assert problems == []
    assert len(files) == 5
    for _, sentences in split_articles(files):
        for s in sentences:
            assert not is_furniture(s.text), s.sid
            assert not s.text.endswith("«"), s.sid
            assert s.heading or len(s.text.split()) >= 3, s.sid
            assert s.text[:1].isupper() or s.text[:1] in '«"(', s.sid
            assert ".Anthropic" not in s.text and "».«" not in s.text, s.sid


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: x\n---\nbody", "must start with a '---'"),
        ("---\ntitle: x\ndate: 2023-01\nbody", "not closed"),
        ("---\ndate: 2023-01\n---\nbody", "no 'title:'"),
        ("---\ntitle: x\ndate: janvier\n---\nbody", "must be a real date: YYYY, YYYY-MM"),
        ("---\ntitle: x\ndate: 2024-02-31\n---\nbody", "date '2024-02-31' must be a real"),
        ("---\ntitle: x\ndate: 2023-02-29\n---\nbody", "date '2023-02-29' must be a real"),
        ("---\ntitle: x\ndate: 2023-13\n---\nbody", "date '2023-13' must be a real"),
        ("---\ntitle: x\ndate: 2023-01\nauthor me\n---\nbody", "line 4: expected 'key: value'"),
        ("---\ntitle: x\ndate: 2023-01\n---\n\n", "no text after the front matter"),
    ],
)
def test_malformed_article_is_explained(text, message):
    """Each malformed file gets a message naming the file and what is wrong."""
    with pytest.raises(CorpusFileError, match=r"bad\.md") as info:
        parse_article(text, Path("bad.md"))
    assert message in str(info.value)


def test_malformed_files_are_skipped_not_fatal(tmp_path):
    """A broken file is reported by name and skipped; the good ones are still read."""
    (tmp_path / "good.md").write_text(
        "---\ntitle: Bon\ndate: 2023-01\n---\nMicrosoft investit dans OpenAI.\n", encoding="utf-8"
    )
    (tmp_path / "bad.md").write_text("pas de front matter\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: é\n".encode("latin-1"))
    (tmp_path / "README.md").write_text("# not an article\n", encoding="utf-8")
    files, problems = read_corpus(tmp_path)
    assert [f.article.article_id for f in files] == ["good"]
    assert len(problems) == 2 and all(p.skipped for p in problems)
    assert any(str(p).startswith("bad.md:") for p in problems)
    assert any(str(p).startswith("latin1.md: not UTF-8") for p in problems)


def readme_example() -> str:
    """The example article of the corpus README, exactly as people read it there."""
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    return readme.split("```markdown\n", 1)[1].split("```", 1)[0]


def test_the_corpus_readme_example_parses_as_documented():
    """The README's own example, inline comments included, is a valid article."""
    parsed = parse_article(readme_example(), Path("example.md"))
    article = parsed.article
    assert article.title == "Title of the article, as published"
    assert (article.date, article.source, article.language) == ("2023-02", "Le Monde", "fr")
    assert (article.url, article.article_id) == ("https://…", "my-article")
    assert parsed.warnings == ()
    assert parsed.body.startswith("First paragraph.")


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("title: C#, F# et .NET", "C#, F# et .NET"),  # no space before '#': not a comment
        ("title: Le n° 1   # the publisher's own words", "Le n° 1"),
        ('title: "Le classement #1 de l’IA"', "Le classement #1 de l’IA"),
        ('title: "Le classement #1"  # quoted, then a comment', "Le classement #1"),
    ],
)
def test_comments_and_quotes_in_front_matter(line, value):
    """'#' after a space starts a comment; double quotes keep a value whole."""
    parsed = parse_article(f"---\n{line}\ndate: 2024-02-29\n---\nTexte.", Path("a.md"))
    assert parsed.article.title == value


def test_unknown_key_is_a_warning_and_the_file_is_read():
    """A key the format does not know ("autor") is warned about, not fatal."""
    parsed = parse_article("---\ntitle: x\ndate: 2023-01\nautor: moi\n---\nTexte.", Path("a.md"))
    assert parsed.article.title == "x"
    (warning,) = parsed.warnings
    assert (warning.issue, warning.line, warning.value, warning.skipped) == (
        Issue.UNKNOWN_KEY,
        4,
        "autor",
        False,
    )
    assert str(warning) == (
        "a.md, line 4: unknown key 'autor' ignored "
        "(known keys: date, id, language, source, title, url)"
    )


def test_entries_that_are_not_articles_are_reported(small_corpus):
    """.txt, .MD and sub-folders are reported, not read; hidden files and README are not."""
    (small_corpus / "notes.txt").write_text("à faire\n", encoding="utf-8")
    (small_corpus / "VIEUX.MD").write_text("---\n", encoding="utf-8")
    (small_corpus / "archives").mkdir()
    (small_corpus / ".DS_Store").write_bytes(b"\0")
    (small_corpus / "README.md").write_text("# Corpus\n", encoding="utf-8")
    articles, ignored = corpus_listing(small_corpus)
    assert [p.name for p in articles] == ["mistral-levee.md", "nvidia-puce.md"]
    assert [(p.file, p.issue) for p in ignored] == [
        ("VIEUX.MD", Issue.NOT_MARKDOWN),
        ("archives", Issue.SUBFOLDER),
        ("notes.txt", Issue.NOT_MARKDOWN),
    ]
    files, problems = read_corpus(small_corpus)
    assert len(files) == 2 and problems == ignored
