"""The ``openai-deals`` command: ask, index, add, eval, deals, sources, serve, report."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from openai_deals import __version__, messages
from openai_deals.logs import configure_logging
from openai_deals.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("openai_deals")

_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


@contextlib.contextmanager
def _argparse_in_french() -> Iterator[None]:
    """argparse's own words (usage, section titles, errors) in French while it runs.

    argparse looks every word of its own up through the module's ``_`` and ``ngettext``
    (gettext) when it needs it; they are swapped for the table in ``messages`` only for
    the duration of one call on one of our parsers, so no other parser is affected.
    """
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]

    def french(text):  # type: ignore[no-untyped-def]
        return messages.ARGPARSE_FR.get(text, text) if isinstance(text, str) else text

    def french_n(one: str, many: str, n: int) -> str:
        return french(one if n == 1 else many)

    argparse._, argparse.ngettext = french, french_n  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class _FrenchParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help, usage and errors are French (see above)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        with _argparse_in_french():
            super().__init__(*args, **kwargs)

    def parse_args(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _argparse_in_french():
            return super().parse_args(*args, **kwargs)

    def parse_known_args(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _argparse_in_french():
            return super().parse_known_args(*args, **kwargs)

    def format_help(self) -> str:
        with _argparse_in_french():
            return super().format_help()

    def format_usage(self) -> str:
        with _argparse_in_french():
            return super().format_usage()

    def error(self, message: str):  # type: ignore[no-untyped-def]
        with _argparse_in_french():
            self.print_usage(sys.stderr)
            args = {"prog": self.prog, "message": message}
            text = argparse._("%(prog)s: error: %(message)s\n") % args  # type: ignore[attr-defined]
            self.exit(2, f"{text}{messages.CLI_ERROR_HINT}\n")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(messages.CLI_NOT_AN_INTEGER.format(value=text)) from None


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(messages.CLI_NOT_A_PORT.format(value=text)) from None


def _parser() -> argparse.ArgumentParser:
    words = messages.CLI_HELP
    parser = _FrenchParser(
        prog="openai-deals", description=messages.CLI_DESCRIPTION, epilog=messages.CLI_EPILOG
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help=words["version"]
    )
    _add_common_options(parser)
    sub = parser.add_subparsers(
        dest="command", required=True, title=words["commands"], metavar="COMMANDE"
    )
    # The common options are accepted after the subcommand too (`ask --corpus DIR "…"`);
    # given in both places, the one after the subcommand wins.
    located = _FrenchParser(add_help=False)
    _add_common_options(located)

    def add_command(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[located], help=words[name], **kwargs)

    ask = add_command("ask", description=words["ask"])
    ask.add_argument("question", nargs="?", metavar="QUESTION", help=words["ask_question"])
    ask.add_argument("--json", action="store_true", help=words["ask_json"])
    ask.add_argument("--k", type=_integer, default=None, metavar="N", help=words["ask_k"])

    index = add_command("index", description=words["index"])
    index.add_argument("--jobs", type=_integer, default=1, metavar="N", help=words["index_jobs"])
    index.add_argument("--force", action="store_true", help=words["index_force"])
    index.add_argument("--prune", action="store_true", help=words["index_prune"])

    add = add_command("add", description=words["add_description"])
    add.add_argument("source", nargs="?", metavar="SOURCE", help=words["add_source"])
    add.add_argument("--title", metavar="TITRE", help=words["add_title"])
    add.add_argument("--date", metavar="AAAA-MM-JJ", help=words["add_date"])
    add.add_argument("--source", dest="source_name", metavar="MÉDIA", help=words["add_publisher"])
    add.add_argument("--force", action="store_true", help=words["add_force"])
    add.add_argument("--init", action="store_true", help=words["add_init"])

    remove = add_command("remove", description=words["remove"])
    remove.add_argument("article_id", nargs="?", metavar="ID_ARTICLE", help=words["remove_id"])

    ev = add_command("eval", description=words["eval"])
    ev.add_argument("file", type=Path, metavar="FICHIER", help=words["eval_file"])
    ev.add_argument("--json", action="store_true", help=words["eval_json"])
    ev.add_argument("--distractors", type=Path, metavar="DOSSIER", help=words["eval_distractors"])

    deals = add_command("deals", description=words["deals"])
    deals.add_argument("--json", action="store_true", help=words["deals_json"])
    deals.add_argument("--plot", type=Path, metavar="FICHIER.png", help=words["deals_plot"])

    add_command("sources", description=words["sources"])

    report = add_command("report", description=words["report"])
    report.add_argument("--since", default="7d", metavar="DURÉE", help=words["report_since"])
    report.add_argument("--json", action="store_true", help=words["report_json"])

    serve = add_command("serve", description=words["serve"])
    serve.add_argument("--http", action="store_true", help=words["serve_http"])
    serve.add_argument("--port", type=_port, default=None, metavar="PORT", help=words["serve_port"])
    return parser


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: an option left out of one place never overwrites the value given in the other.
    unset = {"default": argparse.SUPPRESS}
    words = messages.CLI_HELP
    parser.add_argument("--corpus", type=Path, metavar="DOSSIER", help=words["corpus"], **unset)
    parser.add_argument(
        "--index-dir", type=Path, metavar="DOSSIER", help=words["index_dir"], **unset
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=words["verbose"], **unset)


def _corpus(settings: Settings):
    from openai_deals.live_corpus import CorpusFollower  # deferred: keeps `--help` instant

    return CorpusFollower.from_settings(settings)


def _engine(settings: Settings, **kwargs):
    # Through the follower: the articles of record (the database with PostgreSQL) and the
    # build lock that a running bot shares (openai_deals/live_corpus.py).
    return _corpus(settings).load(**kwargs)


def answer_json(answer) -> dict:
    """The JSON contract of ``ask --json``."""
    return {
        "question": answer.question,
        "status": answer.status.value,
        "abstained": answer.abstained,
        # How likely the first snippet answers (0-1); "related" snippets are never answers.
        "confidence": round(answer.confidence, 3),
        "message": messages.lead(answer),
        "snippets": [
            {
                "text": s.text,
                "article_id": s.primary.article_id,
                "title": s.primary.title,
                "date": s.primary.date,
                "source": s.primary.source,
                "score": s.score,
                "citation": s.primary.citation,
                "sources": [
                    {
                        "article_id": o.article_id,
                        "title": o.title,
                        "date": o.date,
                        "source": o.source,
                        "citation": o.citation,
                    }
                    for o in s.sources
                ],
                "sentence_ids": list(s.sentence_ids),
                # [start, end) of the part of "text" that answers (the amount for "combien",
                # the date for "quand"…), or null.
                "answer_span": list(s.answer_span) if s.answer_span else None,
            }
            for s in answer.snippets
        ],
    }


def render_text(answer, color: bool = False) -> str:
    """A readable, cited answer for the terminal."""
    bold, dim, reset = (_BOLD, _DIM, _RESET) if color else ("", "", "")
    if not answer.snippets:  # not found, no keywords, no more: the lead says it all
        return messages.lead(answer)
    lines = [messages.lead(answer), ""]
    refs: dict[int, str] = {}
    for snippet in answer.snippets:
        text, last = [], 0
        for start, end in snippet.marked:
            text += [snippet.text[last:start], bold, snippet.text[start:end], reset]
            last = end
        text.append(snippet.text[last:])
        lines.append(messages.quote("".join(text), snippet.citations))
        for src in snippet.sources:
            line = messages.citation_line(src.citation, src.title, src.date_label, src.source)
            refs.setdefault(src.citation, line)
    lines.append("")
    lines += [f"{dim}{line}{reset}" for _, line in sorted(refs.items())]
    return "\n".join(lines)


def help_json(question: str) -> dict:
    """``ask --json aide``: the help, in the shape of the JSON contract."""
    return {
        "question": question,
        "status": "help",
        "abstained": True,
        "confidence": 0.0,
        "message": messages.terminal_help(),
        "snippets": [],
    }


def _reply(engine, question: str, k: int, as_json: bool, cut: bool = False) -> str:
    """What ``ask`` prints for one (cleaned) question: the help, or the answer; ``cut``:
    the question was longer than the engine reads, and the answer says so first."""
    from openai_deals.questions import is_help_request  # deferred: it loads the engine module

    if is_help_request(question):
        reply = help_json(question) if as_json else messages.terminal_help()
    else:
        answer = engine.answer(question, k=k)
        reply = answer_json(answer) if as_json else render_text(answer, sys.stdout.isatty())
    if cut:
        from openai_deals.questions import MAX_QUESTION_CHARS

        note = messages.question_cut(question, MAX_QUESTION_CHARS)
        if as_json:
            reply = {**reply, "message": f"{note} {reply['message']}", "question_cut": True}
        else:
            reply = f"{note}\n{reply}"
    return json.dumps(reply, ensure_ascii=False) if as_json else reply


def _ask(args, settings: Settings) -> int:
    from openai_deals.questions import cut_question, is_help_request
    from openai_deals.retrieval.model import check_k

    k = settings.top_k if args.k is None else args.k
    try:
        check_k(k)
    except ValueError:
        print(messages.k_out_of_range("--k", k), file=sys.stderr)
        return 2
    if args.question is not None:
        question, cut = cut_question(args.question)
        # The help needs no index: print it without loading one.
        engine = None if is_help_request(question) else _answering_engine(settings)
        print(_reply(engine, question, k, args.json, cut))
        return 0
    engine = _answering_engine(settings)
    if sys.stdin.isatty():
        print(messages.ASK_STDIN_PROMPT, file=sys.stderr)
    first = True
    for line in sys.stdin:
        question, cut = cut_question(line)
        if not question:
            continue
        if args.json:
            print(_reply(engine, question, k, True, cut), flush=True)
            continue
        # Several answers in a row: each says which question it answers.
        if not first:
            print()
        print(messages.QUESTION_ECHO.format(question=question))
        print(_reply(engine, question, k, False, cut), flush=True)
        first = False
    return 0


def _answering_engine(settings: Settings):
    """The engine for ``ask``: when the index must be built first (the first question, or
    the articles changed), say so on stderr at once, with progress bars on a terminal;
    then name, in French, the corpus files the build skipped or warned about."""
    from openai_deals.retrieval.indexing.cache import store_dir
    from openai_deals.retrieval.indexing.store import STORE_MARKER

    first = not (store_dir(settings.resolved_index_dir) / STORE_MARKER).is_file()
    bars = _BuildBars(sys.stderr.isatty())

    def building(articles: int) -> None:
        print(messages.index_building(articles, first), file=sys.stderr, flush=True)
        bars.start(articles)

    try:
        engine = _engine(
            settings, on_build=building, progress=bars.article, embed_progress=bars.sentences
        )
    finally:
        bars.close()
    if engine.stats is not None and not engine.stats.index_from_cache:
        for problem in engine.index.problems:
            print(messages.corpus_problem(problem), file=sys.stderr)
    return engine


class _BuildBars:
    """The two bars of a build on a terminal, one after the other: the articles read, then
    the sentences embedded. Off the terminal (``shown`` False), nothing is drawn."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self._articles: _Progress | None = None
        self._sentences: _Progress | None = None

    def start(self, articles: int) -> None:
        if self.shown:
            self._articles = _Progress(articles, messages.PROGRESS_ARTICLES)

    def article(self) -> None:
        if self._articles is not None:
            self._articles()

    def sentences(self, done: int, total: int) -> None:
        if not self.shown:
            return
        if self._sentences is None:
            self._close(self._articles)
            self._sentences = _Progress(total, messages.PROGRESS_SENTENCES)
        self._sentences.update(done, total)

    def close(self) -> None:
        self._close(self._articles)
        self._close(self._sentences)

    @staticmethod
    def _close(bar: _Progress | None) -> None:
        if bar is not None and bar.done and not bar.closed:
            bar.close()


def _index(args, settings: Settings) -> int:
    from openai_deals.retrieval.indexing.cache import CacheSaveError
    from openai_deals.retrieval.ingestion.corpus import corpus_files

    # Count the files without reading them: the build reads (and reports) them once.
    total = len(corpus_files(settings.corpus_dir))
    progress = _Progress(total) if sys.stderr.isatty() and total > 20 else None
    embedding = _Progress(0, "phrases encodées") if sys.stderr.isatty() else None
    try:
        engine = _engine(
            settings,
            rebuild=args.force,
            n_process=max(1, args.jobs),
            progress=progress,
            embed_progress=embedding.update if embedding else None,
            must_save=True,
            prune_after_build=not args.prune,  # pruned below, where it is reported
        )
    except CacheSaveError as exc:
        logger.info("%s", exc)  # for -v: the French line below says it to everyone
        print(messages.INDEX_NOT_SAVED.format(path=exc.index_dir), file=sys.stderr)
        return 1
    finally:
        for bar in (progress, embedding):
            if bar and bar.done:
                bar.close()
    index = engine.index
    print(
        messages.INDEX_BUILT.format(
            sentences=len(index), articles=len(index.articles), path=settings.resolved_index_dir
        )
    )
    for problem in index.problems:
        print(messages.corpus_problem(problem), file=sys.stderr)
    if args.prune:
        _print_pruned(settings)
    return 0


def _print_pruned(settings: Settings) -> None:
    from openai_deals.retrieval.indexing.prune import prune
    from openai_deals.retrieval.indexing.use_files import model_version

    removed = prune(settings.resolved_index_dir, settings.shared_cache_dir, model_version())
    for item in removed:
        print(messages.pruned_line(item.path, item.size, item.why))
    print(messages.pruned_total(len(removed), sum(item.size for item in removed)))


def _add(args, settings: Settings) -> int:
    from openai_deals.articles import FolderArticles
    from openai_deals.retrieval.deals.overview import Overview
    from openai_deals.retrieval.ingestion.add import init_corpus
    from openai_deals.retrieval.ingestion.corpus import corpus_files
    from openai_deals.retrieval.ingestion.fetch import FetchRefused
    from openai_deals.retrieval.ingestion.sources import AddRefused, read_source
    from openai_deals.settings import BUNDLED_CORPUS_DIR

    corpus = settings.corpus_dir
    if settings.corpus_dir_is_bundled:
        print(messages.ADD_BUNDLED_CORPUS.format(path=BUNDLED_CORPUS_DIR), file=sys.stderr)
        return 2
    try:
        if args.init:
            copied = init_corpus(corpus, BUNDLED_CORPUS_DIR)
            template = messages.ADD_INIT_DONE if copied else messages.ADD_INIT_NOTHING
            print(template.format(count=len(copied), path=corpus))
        if not args.source:
            if args.init:
                return 0
            print(messages.ADD_NEEDS_SOURCE, file=sys.stderr)
            return 2
        follower = _corpus(settings)
        follower.articles.check()
        draft = read_source(
            args.source,
            settings.fetch_policy(),
            title=args.title,
            date=args.date,
            source_name=args.source_name,
        )
        _print_draft(draft)
        added = follower.articles.add(draft, force=args.force)
    except (FetchRefused, AddRefused) as exc:
        print(messages.refusal(exc), file=sys.stderr)
        return 2
    if isinstance(follower.articles, FolderArticles):
        print(messages.ADD_WRITTEN.format(path=added.path))
    else:
        print(messages.ADD_WRITTEN_DATABASE.format(article_id=added.article_id))
    if added.replaced:
        print(messages.ADD_REPLACED.format(paths=", ".join(p.name for p in added.replaced)))
    progress = _Progress(len(corpus_files(corpus))) if sys.stderr.isatty() else None
    embedding = _Progress(0, "phrases encodées") if sys.stderr.isatty() else None
    # Not rebuild=True: the cache key holds the corpus, so a stale index is never loaded,
    # and a running bot that saw the new version first may have built this one already.
    engine = follower.load(
        progress=progress,
        embed_progress=embedding.update if embedding else None,
    )
    for bar in (progress, embedding):
        if bar and bar.done:
            bar.close()
    overview = Overview.of(engine.index)
    mine = [a for a in overview.articles if a.article.article_id == added.article_id]
    if not mine:
        problems = [
            messages.corpus_problem(p) for p in engine.index.problems if p.file == added.path.name
        ]
        print(
            messages.ADD_INDEXED_NO_ARTICLE.format(problem="; ".join(problems) or "?"),
            file=sys.stderr,
        )
        return 1
    stats = engine.stats
    print(
        messages.ADD_INDEXED.format(
            sentences=mine[0].sentences,
            total=len(engine.index),
            analysed=stats.analysed_articles if stats else "?",
            embedded=stats.embedded_sentences if stats else "?",
        )
    )
    return 0


def _remove(args, settings: Settings) -> int:
    from openai_deals.articles import ArticleNotFound
    from openai_deals.retrieval.ingestion.sources import AddRefused
    from openai_deals.settings import BUNDLED_CORPUS_DIR

    if settings.corpus_dir_is_bundled:
        print(messages.REMOVE_BUNDLED_CORPUS.format(path=BUNDLED_CORPUS_DIR), file=sys.stderr)
        return 2
    if not args.article_id:
        print(messages.REMOVE_NEEDS_ID, file=sys.stderr)
        return 2
    follower = _corpus(settings)
    try:
        removed = follower.articles.remove(args.article_id)
    except ArticleNotFound:
        print(
            messages.REMOVE_NOT_FOUND_TERMINAL.format(article_id=args.article_id), file=sys.stderr
        )
        return 2
    except AddRefused as exc:
        print(messages.refusal(exc), file=sys.stderr)
        return 2
    print(messages.REMOVE_DONE_TERMINAL.format(title=removed.title, article_id=removed.article_id))
    index = follower.load().index
    print(messages.REMOVE_INDEXED.format(articles=len(index.articles), sentences=len(index)))
    return 0


def _print_draft(draft) -> None:
    start = " ".join(" ".join(draft.paragraphs).split()[:14])
    print(messages.ADD_READ_TITLE.format(title=draft.title))
    print(messages.ADD_READ_DATE.format(date=messages.day_label_fr(draft.date)))
    if draft.source:
        print(messages.ADD_READ_SOURCE.format(source=draft.source))
    if draft.url:
        print(messages.ADD_READ_URL.format(url=draft.url))
    print(
        messages.ADD_READ_TEXT.format(
            paragraphs=len(draft.paragraphs), words=draft.words, start=start + " …"
        )
    )


def _eval(args, settings: Settings) -> int:
    from openai_deals.retrieval.evaluate import evaluate, load_questions, metrics_table

    try:
        items = load_questions(args.file)
    except (OSError, ValueError) as exc:
        # `eval` speaks English throughout: its readers tune retrieval, and its report is the
        # table of metrics in docs/retrieval.md.
        print(f"Cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    reports = {"corpus": evaluate(_engine(settings), items)}
    if args.distractors:
        # The same questions over the corpus plus unrelated articles (bench/distractors.py):
        # a method that only works on a handful of articles shows it here.
        other = settings.model_copy(update={"corpus_dir": args.distractors, "index_dir": None})
        reports["with distractors"] = evaluate(_engine(other), items)
    if args.json:
        data = {name: r.as_dict() for name, r in reports.items()}
        print(json.dumps(data if args.distractors else data["corpus"], ensure_ascii=False))
        return 0
    first = reports["corpus"]
    print(f"questions: {first.questions} ({first.answerable} answerable)")
    print("\n".join(metrics_table(reports)))
    for name, report in reports.items():
        if report.failures:
            print(f"missed (not in top 3), {name}: {', '.join(report.failures)}")
    return 0


def render_deals_text(partnerships) -> str:
    """The timeline for the terminal: one block per partnership, one line per deal, the
    articles numbered in order of first citation and listed at the end."""
    if not partnerships:
        return messages.DEALS_EMPTY
    lines = [messages.DEALS_TITLE, messages.DEALS_LEAD]
    refs: dict[str, tuple[int, str]] = {}  # article id -> (number, citation line)
    for lane in partnerships:
        lines += ["", messages.partnership_label(lane.parties)]
        for deal in lane.deals:
            marks = ""
            for c in deal.citations:
                n = len(refs) + 1
                line = messages.citation_line(n, c.title, c.date_label, c.source)
                number = refs.setdefault(c.article_id, (n, line))[0]
                if f"[{number}]" not in marks:
                    marks += f"[{number}]"
            summary = messages.deal_summary(deal)
            lines.append(
                f"  {deal.date.label:<16} {summary} — {messages.deal_status(deal)} {marks}"
            )
    lines.append("")
    lines += [line for _, line in sorted(refs.values())]
    return "\n".join(lines)


def _deals(args, settings: Settings) -> int:
    from openai_deals.retrieval.deals.extract import deals_to_json, timeline

    if args.plot:
        problem = _plot_path_problem(args.plot)
        if problem:  # said before the index is loaded, which may take a while
            print(problem, file=sys.stderr)
            return 2
    lanes = timeline(_answering_engine(settings).index.deals)
    if args.plot:
        return _plot(lanes, args.plot)
    if args.json:
        body = [{"parties": list(p.parties), "deals": deals_to_json(p.deals)} for p in lanes]
        print(json.dumps({"partnerships": body}, ensure_ascii=False, indent=2))
        return 0
    print(render_deals_text(lanes))
    return 0


def _sources(args, settings: Settings) -> int:
    """The articles, oldest first: id, date, title, source (as Slack's « sources »)."""
    from openai_deals.retrieval.deals.overview import Overview

    articles = [a.article for a in Overview.of(_answering_engine(settings).index).articles]
    print(render_sources_text(articles))
    return 0


def render_sources_text(articles) -> str:
    """The articles for the terminal: a title, then one line each, its id first (the id
    citations and ``add --force`` go by), then "Titre — septembre 2020 — Source"."""
    width = max((len(a.article_id) for a in articles), default=0)
    lines = [messages.SOURCES_TERMINAL_TITLE.format(count=len(articles)), ""]
    for a in articles:
        reference = messages.reference(a.title, messages.day_label_fr(a.date), a.source)
        lines.append(f"  {a.article_id:<{width}}  {reference}")
    return "\n".join(lines)


# The formats the chart is drawn in, by extension (openai_deals.plot.FORMATS, which needs
# matplotlib to import: the path is checked before it is).
PLOT_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".pdf")


def _plot_path_problem(path: Path) -> str | None:
    """Why the chart cannot be written to ``path`` (in French), or None."""
    if path.suffix.lower() not in PLOT_SUFFIXES:
        formats = f"{', '.join(PLOT_SUFFIXES[:-1])} ou {PLOT_SUFFIXES[-1]}"
        return messages.PLOT_FORMAT_UNKNOWN.format(suffix=path.suffix or path.name, formats=formats)
    folder = path.parent
    if not folder.is_dir():
        return messages.PLOT_FOLDER_MISSING.format(folder=folder)
    return None


def _plot(lanes, path: Path) -> int:
    try:
        from openai_deals.plot import plot_timeline
    except ImportError:
        # The same interpreter openai-deals runs on: the install lands where it is used,
        # whether in a virtualenv, pipx or the system Python.
        print(messages.PLOT_NEEDS_MATPLOTLIB_IN.format(python=sys.executable), file=sys.stderr)
        return 2
    try:
        plot_timeline(lanes, path)
    except OSError as exc:
        logger.debug("Chart not written", exc_info=True)
        reason = exc.strerror or type(exc).__name__
        print(messages.PLOT_NOT_WRITTEN.format(path=path, reason=reason), file=sys.stderr)
        return 1
    print(path)
    return 0


def _report(args, settings: Settings) -> int:
    from datetime import datetime, timezone

    import sqlalchemy

    from openai_deals.outcomes import OutcomeStore
    from openai_deals.report import build_report, parse_since, render_report
    from openai_deals.retrieval.analyzer import default_analyzer

    try:
        since = datetime.now(timezone.utc) - parse_since(args.since)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        store = OutcomeStore.for_reading(settings)
        if store is None:
            where = "DATABASE_URL" if settings.database_url else settings.resolved_database_url
            print(messages.REPORT_NOTHING_YET.format(where=where))
            return 0
        outcomes, feedback = store.outcomes_since(since), store.feedback_since(since)
    except (sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
        logger.debug("Report: database unreadable", exc_info=True)
        where = "DATABASE_URL" if settings.database_url else settings.resolved_database_url
        print(
            messages.REPORT_DATABASE_FAILED.format(where=where, error=type(exc).__name__),
            file=sys.stderr,
        )
        return 1
    sentence_text = _sentence_texts(settings) if any(f["vote"] == "down" for f in feedback) else {}
    report = build_report(outcomes, feedback, since, default_analyzer().terms, sentence_text.get)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_report(report))
    return 0


def _sentence_texts(settings: Settings) -> dict[str, str]:
    """Sentence id → text, over the current corpus (for the 👎 of the report)."""
    index = _engine(settings).index
    return {s.sid: s.text for s in map(index.sentence, range(len(index)))}


def _serve(args, settings: Settings) -> int:
    from openai_deals.slack.server import main as serve_main

    return serve_main(settings, http=args.http, port=args.port) or 0


def _problems_in_french() -> _ProblemLines:
    """Without -v, no log line reaches the terminal: a warning or an error becomes one
    French line (see :class:`_ProblemLines`)."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    handler = _ProblemLines()
    root.addHandler(handler)
    return handler


class _ProblemLines(logging.Handler):
    """Words a problem met on the way for the person at the terminal, in one French line:
    one it knows (an index that could not be saved) in its own words, any other in a
    general line that points to -v, said once. A corpus file's problem is left to the
    command, which names every one from the index (as ``index`` does)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._said: set[str] = set()
        self._unnamed = False

    def emit(self, record: logging.LogRecord) -> None:
        from openai_deals.retrieval.indexing.cache import CacheSaveError
        from openai_deals.retrieval.ingestion.corpus import CorpusProblem

        problem = getattr(record, "problem", None)
        if isinstance(problem, CorpusProblem):
            return
        if isinstance(problem, CacheSaveError):
            line = messages.INDEX_NOT_SAVED_WARNING.format(
                path=problem.index_dir, reason=problem.reason
            )
            if line not in self._said:
                self._said.add(line)
                print(line, file=sys.stderr, flush=True)
        else:
            self._unnamed = True

    def finish(self, succeeded: bool) -> None:
        """At the end of the command: the general line, if something went unnamed and
        nothing was said (what was said already points at the trouble, and so does the
        message of a command that failed; -v tells the rest)."""
        if self._unnamed and not self._said and succeeded:
            print(messages.LOG_PROBLEM, file=sys.stderr, flush=True)
        self._unnamed = False


class _Progress:
    """A minimal terminal progress bar (no dependency) for long index builds.

    Called with no argument: one more article analysed. :meth:`update` ``(done, total)``:
    the sentence embedding's progress, reported in batches.
    """

    def __init__(self, total: int, label: str = "articles") -> None:
        self.total, self.done = total, 0
        self.label = label
        self.closed = False

    def __call__(self) -> None:
        self.update(self.done + 1, self.total)

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (sentence embeddings report in batches)."""
        self.done, self.total = done, total
        width = 30
        filled = width * min(self.done, self.total) // max(self.total, 1)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {self.label}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        self.closed = True


# Exit codes of a process stopped by a signal, as shells report them (128 + signal number).
EXIT_INTERRUPTED = 130  # SIGINT: Ctrl-C
EXIT_BROKEN_PIPE = 141  # SIGPIPE: the reader of stdout went away (`| head -1`)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code. No traceback on Ctrl-C or a closed pipe."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # a reader that left shows up here, where it is handled
        return code
    except KeyboardInterrupt:
        print(messages.INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Nobody reads any more: stop quietly. Point stdout at /dev/null so that Python's
        # own flush at exit does not fail again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = args.index_dir
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    level = logging.getLevelName(settings.log_level)
    problems = None
    if args.command == "serve":
        configure_logging(settings.log_level)  # a server's log is its operators' to read
    elif getattr(args, "verbose", False):
        configure_logging(min(logging.INFO, level))
    else:
        problems = _problems_in_french()
    logger.info("%s", settings.describe_source())
    from openai_deals.retrieval.answering.reader import ReaderError
    from openai_deals.retrieval.ingestion.corpus import CorpusDirError, EmptyCorpusError

    commands = {
        "ask": _ask,
        "index": _index,
        "add": _add,
        "remove": _remove,
        "eval": _eval,
        "deals": _deals,
        "sources": _sources,
        "serve": _serve,
        "report": _report,
    }
    code = 1
    try:
        code = commands[args.command](args, settings)
    except (CorpusDirError, EmptyCorpusError) as exc:
        print(messages.corpus_error(exc), file=sys.stderr)
        for problem in getattr(exc, "problems", ()):
            print(messages.corpus_problem(problem), file=sys.stderr)
        code = 2
    except ReaderError as exc:
        print(messages.READER_UNUSABLE.format(path=exc.folder, reason=exc.reason), file=sys.stderr)
        code = 2
    finally:
        if problems is not None:
            problems.finish(succeeded=code == 0)
            logging.getLogger().removeHandler(problems)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
