"""Growing the corpus: `openai-deals add` from a web page (served on 127.0.0.1), a saved
.html page or a .txt file; the written file, duplicates, the refusals word for word, and the
command line end to end (the new article answers, the index is updated with a progress bar)."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web_standin import ARTICLE_HTML, ARTICLE_TEXT

from openai_deals import messages
from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.ingestion.add import (
    DUPLICATE_JACCARD,
    add_to_corpus,
    corpus_lock,
    find_duplicates,
    init_corpus,
    jaccard,
    same_url_key,
    shingles,
    slugify,
)
from openai_deals.retrieval.ingestion.clean import clean_body, is_furniture
from openai_deals.retrieval.ingestion.corpus import parse_article, read_corpus
from openai_deals.retrieval.ingestion.fetch import ALL_NETWORKS, FetchPolicy
from openai_deals.retrieval.ingestion.sources import AddProblem, AddRefused, parse_date, read_source
from openai_deals.retrieval.model import Article
from openai_deals.settings import BUNDLED_CORPUS_DIR

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "openai_deals" / "corpus"
CORPUS_FILES = [p.name for p in CORPUS.glob("*.md")]
ALLOW_LOCAL = FetchPolicy(allowed_networks=ALL_NETWORKS)
TITLE = "Mistral AI lève 1,2 milliard d’euros et s’allie à Schneider Electric"
FILE_NAME = "2025-10-14-mistral-ai-leve-1-2-milliard-d-euros-et-s-allie-a-schneider.md"
QUESTION = "Combien Schneider Electric a-t-il investi dans Mistral AI ?"
# The address the article's page gives for itself (<link rel="canonical">, og:url).
CANONICAL = "https://gazette-ia.example/2025/10/14/mistral-ai-leve-1-2-milliard"
# The article's own text, as the written file must hold it: nothing of the site around it.
PARAGRAPHS = [
    "La start-up parisienne Mistral AI a annoncé mardi une levée de fonds de 1,2 milliard "
    "d’euros, menée par Bpifrance et le groupe industriel Schneider Electric, qui valorise "
    "l’entreprise à 14 milliards d’euros.",
    "Schneider Electric investit à lui seul 400 millions d’euros et prend une participation "
    "de 3 % au capital. Les deux groupes signent en parallèle un accord de cinq ans pour "
    "déployer les modèles de Mistral AI dans la gestion des réseaux électriques.",
    "« Cet argent va nous permettre de construire nos propres centres de calcul en France », "
    "a déclaré Arthur Mensch, directeur général et cofondateur de Mistral AI, lors d’une "
    "conférence de presse à Paris.",
    "Un centre de calcul dans l’Essonne",
    "La société prévoit d’ouvrir d’ici à 2027 un centre de données de 40 mégawatts dans "
    "l’Essonne, équipé de puces Nvidia. Elle compte aussi doubler ses effectifs, aujourd’hui "
    "d’environ 700 salariés, d’ici à la fin de l’année.",
    "Cette opération intervient dix-huit mois après un précédent tour de table qui valorisait "
    "Mistral AI à 11,7 milliards d’euros. Elle confirme l’appétit des investisseurs européens "
    "pour une alternative aux laboratoires américains comme OpenAI et Anthropic.",
    "Le tour de table doit être finalisé d’ici à la fin du mois d’avril, sous réserve de "
    "l’accord des autorités de la concurrence.",
]
FURNITURE = [
    "cookies", "Tout accepter", "Abonnez-vous", "Économie", "Partager", "Facebook",
    "Lire aussi", "Publicité", "abonnés", "Mis à jour", "Claire Dumas", "newsletter",
    "À lire également", "4 000 milliards", "Leave a Reply", "connecté", "Mentions légales", "©",
]  # fmt: skip


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the bundled articles."""
    path = tmp_path / "corpus"
    shutil.copytree(CORPUS, path)
    return path


def refused(call, *args, **kwargs) -> AddRefused:
    with pytest.raises(AddRefused) as caught:
        call(*args, **kwargs)
    return caught.value


# -- Reading a source -------------------------------------------------------------------------


def test_a_web_page_becomes_a_clean_corpus_file(news_site, corpus):
    """trafilatura keeps the article and drops the site; the clean-up rules drop what
    furniture sat inside the article; the file has the documented front matter with the URL
    and reads back as the same article."""
    url = news_site.article()
    draft = read_source(url, ALLOW_LOCAL)
    added = add_to_corpus(draft, corpus)
    assert added.path == corpus / FILE_NAME
    text = added.path.read_text(encoding="utf-8")
    assert text == (
        f"---\ntitle: {TITLE}\ndate: 2025-10-14\nsource: La Gazette de l’IA\nlanguage: fr\n"
        f"url: {CANONICAL}\n---\n" + "\n\n".join(PARAGRAPHS) + "\n"
    )
    assert not [word for word in FURNITURE if word in text]
    parsed = parse_article(text, added.path)
    assert parsed.article == Article(
        added.article_id, TITLE, "2025-10-14", "La Gazette de l’IA", "fr", CANONICAL
    )
    assert clean_body(parsed.body, TITLE) == PARAGRAPHS  # already clean: indexing keeps it


_HEAD = '<link rel="canonical" href="https://gazette-ia.example/2025/10/14/mistral-ai-leve-1-2-milliard">'
_OG_URL = '<meta property="og:url" content="https://gazette-ia.example/2025/10/14/mistral-ai-leve-1-2-milliard">'


@pytest.mark.parametrize(
    "head, expected",
    [
        (_HEAD + _OG_URL, CANONICAL),  # as the page is: both
        (_OG_URL, CANONICAL),  # og:url alone
        (_HEAD.replace(CANONICAL, "https://gazette-ia.example/canonique") + _OG_URL,
         "https://gazette-ia.example/canonique"),  # canonical wins over og:url
        ('<link rel="canonical" href="/2025/canonique">', "{base}/2025/canonique"),  # relative
        ('<link rel="canonical" href="ftp://gazette-ia.example/a">', "{fetched}"),
        ('<link rel="canonical" href="javascript:alert(1)">', "{fetched}"),
        ("", "{fetched}"),
    ],
)  # fmt: skip
def test_a_fetched_page_is_recorded_under_its_canonical_address(news_site, corpus, head, expected):
    """Adding by URL records the address the page gives for itself (<link rel="canonical">,
    else og:url), when it is http(s); the address fetched still recognises it as a
    duplicate."""
    html = ARTICLE_HTML.read_text(encoding="utf-8").replace(_HEAD, "").replace(_OG_URL, "")
    html = html.replace("</head>", head + "</head>")
    fetched = news_site.page("/article", html) + "?id=42"
    draft = read_source(fetched, ALLOW_LOCAL)
    assert draft.url == expected.format(base=news_site.base_url, fetched=fetched)
    added = add_to_corpus(draft, corpus)
    assert f"url: {draft.url}\n" in added.path.read_text(encoding="utf-8")
    again = refused(add_to_corpus, read_source(fetched, ALLOW_LOCAL), corpus)
    assert again.problem is AddProblem.DUPLICATE and again.details["reason"] == "url"


def test_a_saved_html_page_gives_the_same_article_with_its_canonical_url(corpus):
    """A saved page is read like a fetched one; its URL is the page's canonical address."""
    draft = read_source(str(ARTICLE_HTML))
    assert (draft.title, draft.date, draft.source) == (TITLE, "2025-10-14", "La Gazette de l’IA")
    assert draft.url == "https://gazette-ia.example/2025/10/14/mistral-ai-leve-1-2-milliard"
    assert list(draft.paragraphs) == PARAGRAPHS


def test_a_text_file_gives_its_title_date_and_source_from_its_first_lines():
    """ "Titre" line, "Publié le 14 octobre 2025", "Source : …" are read, and leave the body."""
    draft = read_source(str(ARTICLE_TEXT))
    assert (draft.title, draft.date, draft.source, draft.url) == (
        TITLE,
        "2025-10-14",
        "La Gazette de l’IA",
        "",
    )
    assert list(draft.paragraphs) == PARAGRAPHS


def test_a_bare_text_needs_its_title_date_and_source(tmp_path):
    """A text that names nothing is refused with the options to give, word for word; with
    them, it is read, and what was given wins."""
    path = tmp_path / "article.txt"
    path.write_text("\n\n".join(PARAGRAPHS[:3]) + "\n", encoding="utf-8")
    error = refused(read_source, str(path))
    assert messages.add_refusal(error) == (
        "Introuvable dans le texte : le titre, la date et la source. Ajoutez "
        '--title "…" --date AAAA-MM-JJ --source "…" à la commande.'
    )
    draft = read_source(str(path), title="Mistral AI lève des fonds", date="14/10/2025",
                        source_name="Le Monde")  # fmt: skip
    assert (draft.title, draft.date, draft.source) == (
        "Mistral AI lève des fonds",
        "2025-10-14",
        "Le Monde",
    )
    assert list(draft.paragraphs) == PARAGRAPHS[:3]


def test_a_page_without_a_date_asks_for_one(news_site):
    """No date in the page: the message names --date (and, in Slack, the command line)."""
    html = ARTICLE_HTML.read_text(encoding="utf-8")
    for piece in ('<meta property="article:published_time" content="2025-10-14T08:30:00+02:00">',
                  '<time datetime="2025-10-14T08:30:00+02:00">14 octobre 2025 à 8 h 30</time>',
                  "© 2025", "/2025/10/14", "Mis à jour le 14 octobre 2025 à 10 h 12"):  # fmt: skip
        html = html.replace(piece, "")
    error = refused(read_source, news_site.page("/sans-date", html), ALLOW_LOCAL)
    assert messages.add_refusal(error) == (
        "Introuvable dans la page : la date. Ajoutez --date AAAA-MM-JJ à la commande."
    )
    assert messages.add_refusal(error, slack=True) == (
        "Introuvable dans la page : la date. Ajoutez cet article depuis le terminal, en les "
        "précisant : `openai-deals add ADRESSE --date AAAA-MM-JJ`."
    )
    draft = read_source(news_site.url("/sans-date"), ALLOW_LOCAL, date="2025-10-14")
    assert draft.date == "2025-10-14"


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2025-10-14", "2025-10-14"),
        ("2025-10", "2025-10"),
        ("2025", "2025"),
        ("14/10/2025", "2025-10-14"),
        ("14 octobre 2025", "2025-10-14"),
        ("1er août 2025", "2025-08-01"),
        ("Publié le mardi 14 octobre 2025 à 8 h 30", "2025-10-14"),
        ("Mis à jour le 14.10.2025", "2025-10-14"),
        ("février 2023", "2023-02"),
        ("fevrier 2023", "2023-02"),
        ("14 brumaire 2025", None),
        ("32/10/2025", None),
        ("hier", None),
    ],
)
def test_dates_are_read_the_ways_french_pages_write_them(text, iso):
    """ISO, numeric and written-out French dates, with "Publié le … à …" around them."""
    assert parse_date(text) == iso


def test_a_bad_date_option_is_refused(tmp_path):
    """--date must be a date; the message shows the expected forms."""
    error = refused(read_source, str(ARTICLE_TEXT), date="bientôt")
    assert messages.add_refusal(error) == (
        "Date illisible : « bientôt ». Écrivez-la AAAA-MM-JJ (par exemple 2025-10-14), "
        "AAAA-MM ou AAAA."
    )


def test_a_page_with_almost_no_text_is_refused(news_site):
    """A page trafilatura finds no article in (a home page, a login wall) is not added."""
    url = news_site.page("/accueil", "<html><head><title>Accueil</title></head><body>"
                         "<nav>Tech Économie</nav><p>Bienvenue !</p></body></html>")  # fmt: skip
    error = refused(read_source, url, ALLOW_LOCAL)
    assert error.problem is AddProblem.NO_TEXT
    assert messages.add_refusal(error).startswith("Je n’ai trouvé presque aucun texte d’article (")


def test_a_text_file_too_short_for_an_article_says_so_and_what_to_do(tmp_path):
    """A .txt with a title, a date and a source but only a line of text is refused as too
    short, with its length and the minimum, word for word; not told to make a .txt of it."""
    path = tmp_path / "brève.txt"
    path.write_text(
        f"{TITLE}\nPublié le 14 octobre 2025\nSource : La Gazette de l’IA\n\n"
        "Mistral AI lève 1,2 milliard d’euros auprès de Bpifrance et de Schneider Electric.\n",
        encoding="utf-8",
    )
    error = refused(read_source, str(path))
    assert messages.add_refusal(error) == (
        "Ce texte est trop court pour un article : 15 mots, il en faut au moins 30 (sans "
        "le titre, la date ni la source). Copiez-y l’article en entier, pas seulement son "
        "titre ou un extrait, puis ajoutez de nouveau le fichier."
    )


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "article.pdf",
            "Je ne sais pas lire « article.pdf » : donnez une adresse http(s)://, une page "
            "enregistrée (.html) ou un fichier texte (.txt).",
        ),
        ("absent.txt", "Fichier introuvable : absent.txt."),
    ],
)
def test_unsupported_or_missing_files_are_named(source, expected):
    """Only .html and .txt files, and they must exist."""
    assert messages.add_refusal(refused(read_source, source)) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Partager sur Facebook",
        "Article réservé aux abonnés",
        "Abonnez-vous pour lire la suite",
        "Tous droits réservés",
        "Mis à jour le 14 octobre 2025 à 10 h 12",
        "Publié le 1er mars 2024",
        "Publié le 14/10/2025",
    ],
)
def test_furniture_that_sits_inside_articles_is_dropped(line):
    """Lines a site puts among the article's paragraphs are furniture for every article."""
    assert is_furniture(line)


PAYWALL_LINES = [
    "Article réservé aux abonnés. Abonnez-vous pour lire la suite…",
    "Cet article est réservé aux abonnés.",
    "Réservé aux abonnés",
    "Il vous reste 72 % de cet article à lire.",
    "La suite de cet article est réservée aux abonnés. Déjà abonné ? Se connecter",
    "Pour lire la suite, abonnez-vous.",
]


def test_paywall_lines_are_dropped_from_the_written_article(news_site, corpus):
    """A paywall notice, even two sentences of it on one line, is not written with the
    article (the README promises it)."""
    html = ARTICLE_HTML.read_text(encoding="utf-8").replace(
        '<p class="premium">Article réservé aux abonnés</p>',
        "".join(f"<p>{line}</p>" for line in PAYWALL_LINES),
    )
    added = add_to_corpus(read_source(news_site.page("/payant", html), ALLOW_LOCAL), corpus)
    body = parse_article(added.path.read_text(encoding="utf-8"), added.path).body
    assert "abonn" not in body.casefold() and "il vous reste" not in body.casefold()
    assert body.strip().split("\n\n") == PARAGRAPHS


@pytest.mark.parametrize(
    "line",
    ["Publié le 14 octobre 2025, le rapport montre que les dépenses ont doublé.",
     "« Abonnez-vous », lance-t-il en souriant.", "Partager les données est essentiel.",
     "Réservé aux abonnés depuis 2020, le service a séduit 3 millions de clients."],
)  # fmt: skip
def test_article_sentences_that_start_like_furniture_stay(line):
    """Only whole furniture lines go, never a sentence of the article."""
    assert not is_furniture(line)


# -- Duplicates and writing -------------------------------------------------------------------


def test_the_same_url_is_refused_and_force_replaces_it(news_site, corpus):
    """Adding a URL twice is refused word for word; --force replaces the file."""
    url = news_site.article()
    first = add_to_corpus(read_source(url, ALLOW_LOCAL), corpus)
    error = refused(add_to_corpus, read_source(url + "?utm_source=x", ALLOW_LOCAL), corpus)
    assert messages.add_refusal(error) == (
        f"Cet article est déjà dans le corpus : « {TITLE} » ({FILE_NAME}, même adresse). "
        "Ajoutez --force pour le remplacer."
    )
    assert messages.add_refusal(error, slack=True) == (
        f"Cet article est déjà dans mes sources : « {TITLE} » (même adresse). Je n’ai rien changé."
    )
    again = add_to_corpus(read_source(url, ALLOW_LOCAL), corpus, force=True)
    assert again.path == first.path and again.replaced == (first.path,)
    assert len(read_corpus(corpus)[0]) == 6


def test_a_near_identical_text_is_refused_and_force_replaces_it(news_site, corpus):
    """The same article with a corrected sentence and another title, from a .txt file, is
    recognised by its text; --force replaces the old file by the new one."""
    first = add_to_corpus(read_source(news_site.article(), ALLOW_LOCAL), corpus)
    edited = ARTICLE_TEXT.read_text(encoding="utf-8").replace(TITLE, "Mistral AI lève 1,2 Md€")
    edited = edited.replace("environ 700 salariés", "environ 750 salariés")
    path = corpus.parent / "corrigé.txt"
    path.write_text(edited, encoding="utf-8")
    draft = read_source(str(path))
    similarity = jaccard(shingles(draft.paragraphs), shingles(PARAGRAPHS))
    assert DUPLICATE_JACCARD <= similarity < 1
    error = refused(add_to_corpus, draft, corpus)
    assert messages.add_refusal(error) == (
        f"Cet article est déjà dans le corpus : « {TITLE} » ({FILE_NAME}, texte identique à "
        f"{round(100 * similarity)} %). Ajoutez --force pour le remplacer."
    )
    replaced = add_to_corpus(draft, corpus, force=True)
    assert replaced.path.name == "2025-10-14-mistral-ai-leve-1-2-md.md"
    assert replaced.replaced == (first.path,) and not first.path.exists()


def test_different_articles_on_the_same_subject_are_not_duplicates():
    """The bundled articles (two of them tell the same deals) are far below the threshold."""
    files, _ = read_corpus(CORPUS)
    sets = [shingles(clean_body(f.body, f.article.title)) for f in files]
    worst = max(jaccard(a, b) for i, a in enumerate(sets) for b in sets[i + 1 :])
    assert worst < 0.1 < DUPLICATE_JACCARD


def test_an_unrelated_article_is_added_beside_the_others(corpus):
    """No duplicate, no file replaced: the corpus grows by one."""
    draft = read_source(str(ARTICLE_TEXT))
    assert find_duplicates(draft, corpus) == []
    added = add_to_corpus(draft, corpus)
    assert added.replaced == () and len(read_corpus(corpus)[0]) == 6


# One addition in a process of its own, released at the same moment as the others: it says
# it is ready, waits for the "go" file (bounded), adds the article and prints what happened.
_ADDER = """
import json, sys, time
from pathlib import Path
from openai_deals.retrieval.ingestion.add import add_to_corpus
from openai_deals.retrieval.ingestion.sources import AddRefused, read_source
corpus, source, ready, go = map(Path, sys.argv[1:5])
draft = read_source(str(source))
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
try:
    print(json.dumps({"written": add_to_corpus(draft, corpus).path.name}))
except AddRefused as exc:
    print(json.dumps({"refused": exc.problem.value}))
"""


def test_additions_at_once_write_the_article_once(corpus, tmp_path):
    """Four `add` of the same article released at the same moment, in four processes: the
    duplicate check and the write hold one lock on the corpus folder, so one writes it and
    the three others are told it is already there."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    adders = [
        subprocess.Popen(
            [sys.executable, "-c", _ADDER, str(corpus), str(ARTICLE_TEXT), str(r), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        outcomes = [json.loads(a.communicate(timeout=60)[0]) for a in adders]
    finally:
        for adder in adders:
            adder.kill()
    written = [o["written"] for o in outcomes if "written" in o]
    assert len(written) == 1
    assert sorted(o.get("refused", "") for o in outcomes) == [
        "",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    assert sorted(p.name for p in corpus.glob("*.md")) == sorted([*CORPUS_FILES, written[0]])


def test_an_addition_that_waits_too_long_for_another_is_refused(corpus):
    """Another addition holding the corpus past the wait: refused in French, nothing written."""
    draft = read_source(str(ARTICLE_TEXT))
    with corpus_lock(corpus):
        error = refused(add_to_corpus, draft, corpus, lock_wait=2)
    assert messages.refusal(error) == (
        f"Un autre ajout d’article est en cours dans {corpus} depuis plus de 2 secondes. "
        "Réessayez dans un moment."
    )
    assert sorted(p.name for p in corpus.glob("*.md")) == sorted(CORPUS_FILES)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://www.exemple.fr/a/?utm_source=x&utm_medium=y#haut", "http://exemple.fr/a"),
        ("https://exemple.fr:443/a?id=2&p=1", "https://EXEMPLE.fr/a/?p=1&id=2"),
    ],
)
def test_addresses_of_the_same_page_compare_equal(a, b):
    """Scheme, www., default port, trailing slash, fragment, utm_* and order do not count."""
    assert same_url_key(a) == same_url_key(b)


def test_other_query_parameters_make_another_page():
    """?id=2 and ?id=3 are two articles."""
    assert same_url_key("https://exemple.fr/a?id=2") != same_url_key("https://exemple.fr/a?id=3")


@pytest.mark.parametrize(
    "title, slug",
    [
        (TITLE, "mistral-ai-leve-1-2-milliard-d-euros-et-s-allie-a-schneider"),
        ("GPT3 : OpenAI cède sa licence à Microsoft", "gpt3-openai-cede-sa-licence-a-microsoft"),
        ("« Œuvre » — ça coûte 10 % !", "oeuvre-ca-coute-10"),
        ("???", "article"),
    ],
)
def test_file_names_are_ascii_slugs_of_the_title(title, slug):
    """Accents folded, punctuation to hyphens, at most 60 characters cut between words."""
    assert slugify(title) == slug


def test_a_missing_corpus_folder_is_refused_and_init_creates_it(tmp_path):
    """Adding to a folder that does not exist says so; init_corpus fills it with the bundled
    articles, without overwriting one already there."""
    target = tmp_path / "mes-articles"
    error = refused(add_to_corpus, read_source(str(ARTICLE_TEXT)), target)
    assert messages.add_refusal(error) == (
        f"Le dossier d’articles {target} n’existe pas. Créez-le, ou ajoutez --init pour le "
        "créer avec les articles fournis (puis ajouter le vôtre)."
    )
    assert len(init_corpus(target, CORPUS)) == 5
    assert init_corpus(target, CORPUS) == []
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in CORPUS.glob("0*.md"))


# -- The command line -------------------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "CORPUS", "INDEX", "FETCH_", "EMBEDDINGS"))}  # fmt: skip
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str], stderr_tty: bool = False):
    """Run openai-deals; with ``stderr_tty`` its stderr is a terminal (a pty)."""
    command = [sys.executable, "-m", "openai_deals.cli", *args]
    if not stderr_tty:
        return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env,
                              cwd=ROOT)  # fmt: skip
    master, slave = pty.openpty()
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=slave, text=True,
                                timeout=180, env=env, cwd=ROOT)  # fmt: skip
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    result.stderr = b"".join(chunks).decode("utf-8", errors="replace")
    return result


def test_add_url_writes_the_article_updates_the_index_and_it_answers(news_site, tmp_path, engine):
    """`add --init URL` on a new folder: copies the bundled articles, prints what it read,
    writes the file, updates the index with a progress bar on the terminal; then `ask`
    answers from the new article without rebuilding anything."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    url = news_site.article()
    env = cli_env(FETCH_ALLOW_PRIVATE="true", EMBEDDINGS="none")
    base = ("--corpus", str(corpus), "--index-dir", str(index_dir))
    result = cli(*base, "add", "--init", url, env=env, stderr_tty=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"5 article(s) fourni(s) copié(s) dans {corpus}.",
        f"Lu : « {TITLE} »",
        "  date : 14 octobre 2025",
        "  source : La Gazette de l’IA",
        f"  adresse : {CANONICAL}",
        "  texte : 7 paragraphe(s), 227 mots — « La start-up parisienne Mistral AI a annoncé "
        "mardi une levée de fonds de 1,2 … »",
        f"Écrit : {corpus / FILE_NAME}",
        f"Index à jour : 10 phrase(s) de cet article, {len(engine.index) + 10} en tout ; "
        "6 article(s) analysé(s), 0 phrase(s) encodée(s).",
    ]
    assert "\r[##############################] 6/6 articles" in result.stderr
    current = index_dir / "openai-deals-index" / "CURRENT"  # the store's own folder
    live = current.read_text()

    answer = cli(*base, "ask", "--json", QUESTION, env=env)
    assert answer.returncode == 0, answer.stderr
    snippets = json.loads(answer.stdout)["snippets"]
    assert {s["article_id"] for s in snippets} == {FILE_NAME.removesuffix(".md")}
    assert any("400 millions d’euros" in s["text"] for s in snippets)
    assert current.read_text() == live  # `add` left the index up to date


def test_add_again_is_refused_and_force_replaces(news_site, corpus, tmp_path):
    """The same URL a second time: refused with its message, nothing written; --force
    replaces the file and says so."""
    url = news_site.article()
    add_to_corpus(read_source(url, ALLOW_LOCAL), corpus)
    env = cli_env(FETCH_ALLOW_PRIVATE="true", EMBEDDINGS="none")
    base = ("--corpus", str(corpus), "--index-dir", str(tmp_path / "index"))
    result = cli(*base, "add", url, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        f"Cet article est déjà dans le corpus : « {TITLE} » ({FILE_NAME}, même adresse). "
        "Ajoutez --force pour le remplacer.\n"
    )
    assert not (tmp_path / "index").exists()
    result = cli(*base, "add", "--force", url, env=env)
    assert result.returncode == 0, result.stderr
    assert f"Remplace : {FILE_NAME}" in result.stdout.splitlines()
    assert len(list(corpus.glob("2025-*.md"))) == 1


def test_add_refuses_the_bundled_articles_and_says_how_to_start_a_corpus(tmp_path):
    """Without CORPUS_DIR (or --corpus) nothing is written into the package."""
    env = cli_env()
    result = cli("--index-dir", str(tmp_path), "add", str(ARTICLE_TEXT), env=env)
    assert result.returncode == 2
    assert result.stderr == (
        f"Les articles fournis avec openai-deals ({BUNDLED_CORPUS_DIR}) ne se modifient pas : "
        "ils peuvent être en lecture seule et sont remplacés à chaque mise à jour. Choisissez "
        "votre propre dossier d’articles, par exemple : openai-deals --corpus "
        "~/openai-deals-corpus add --init SOURCE (--init y copie d’abord les articles "
        "fournis), ou réglez CORPUS_DIR.\n"
    )
    assert sorted(p.name for p in BUNDLED_CORPUS_DIR.glob("*.md")) == sorted(
        p.name for p in CORPUS.glob("*.md")
    )


def test_add_refuses_a_private_address_without_the_setting(news_site, corpus, tmp_path):
    """FETCH_ALLOW_PRIVATE off (the default): the local page is not fetched."""
    url = news_site.article()
    result = cli("--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "add", url,
                 env=cli_env())  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "Je ne récupère pas de page sur une adresse privée ou locale (127.0.0.1 → 127.0.0.1). "
        "Donnez l’adresse publique de l’article.\n"
    )
    assert news_site.requests == []


def test_add_a_text_file_embeds_only_its_sentences(corpus, tmp_path):
    """With the default sentence embeddings, adding to an indexed corpus analyses one
    article and embeds its ten sentences; the rest comes from the caches."""
    load_engine(corpus, tmp_path / "index")  # what `openai-deals index` does, in-process
    base = ("--corpus", str(corpus), "--index-dir", str(tmp_path / "index"))
    result = cli(*base, "add", str(ARTICLE_TEXT), env=cli_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(
        "1 article(s) analysé(s), 10 phrase(s) encodée(s)."
    )
    assert result.stdout.splitlines()[-1].startswith("Index à jour : 10 phrase(s) de cet article")


def test_fetch_settings_reach_the_command(news_site, corpus, tmp_path):
    """FETCH_MAX_BYTES is the limit `add` applies."""
    url = news_site.article()
    env = cli_env(FETCH_ALLOW_PRIVATE="127.0.0.1", FETCH_MAX_BYTES="2000")
    result = cli("--corpus", str(corpus), "add", url, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("La page dépasse 2 ko : j’ai arrêté de la lire.")


def test_corpus_dir_may_start_with_the_home_folder(monkeypatch, tmp_path):
    """CORPUS_DIR=~/articles (as in .env.example) is the folder in the home directory, and
    counts as set."""
    from openai_deals.settings import load_settings

    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(_env_file=None, corpus_dir="~/articles")
    assert settings.corpus_dir == tmp_path / "articles"
    assert not settings.corpus_dir_is_bundled
    assert load_settings(_env_file=None).corpus_dir_is_bundled


def test_the_readme_example_is_what_add_prints(tmp_path, monkeypatch, capsys):
    """The README's `add` example, run for real (default embeddings, fresh index): the
    same lines, the home folder written as ~."""
    from openai_deals import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ openai-deals --corpus ~/openai-deals-corpus add --init "
    example = readme[readme.index(command) :].split("\n$ ", 1)[0].splitlines()
    args = example[0].removeprefix("$ openai-deals ").split()
    for name in list(os.environ):
        if name.startswith(("CORPUS", "INDEX", "EMBEDDINGS", "FETCH_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(ROOT)
    args = [str(tmp_path / "openai-deals-corpus") if a.startswith("~/") else a for a in args]
    code = cli.main(["--index-dir", str(tmp_path / "index"), *args])
    out = capsys.readouterr().out.replace(str(tmp_path), "~")
    assert code == 0
    assert out.splitlines() == example[1:]
