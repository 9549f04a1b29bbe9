"""The ``openai-deals`` command: ask, index, add, eval, deals, serve, report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from openai_deals import __version__, messages
from openai_deals.logs import configure_logging
from openai_deals.retrieval.model import MAX_K, MIN_K
from openai_deals.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("openai_deals")

_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-deals",
        description="Answer French questions about AI partnerships with cited news snippets.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_location_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    # The location options are accepted after the subcommand too (`ask --corpus DIR "…"`);
    # given in both places, the one after the subcommand wins.
    located = argparse.ArgumentParser(add_help=False)
    _add_location_options(located)

    def add_command(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[located], **kwargs)

    ask = add_command("ask", help="answer a question (or one per line of stdin)")
    ask.add_argument(
        "question", nargs="?", help="the question; omit it to read one question per stdin line"
    )
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    ask.add_argument(
        "--k", type=int, default=None, help=f"snippets, {MIN_K} to {MAX_K} (default TOP_K)"
    )

    index = add_command("index", help="(re)build the cached index of the corpus")
    index.add_argument("--jobs", type=int, default=1, help="spaCy worker processes")
    index.add_argument("--force", action="store_true", help="rebuild even if the cache is fresh")
    index.add_argument(
        "--prune",
        action="store_true",
        help="then remove what the cache no longer uses, and say what was removed",
    )

    add = add_command(
        "add",
        help="add an article (URL, saved .html page or .txt file) to CORPUS_DIR and update "
        "the index",
        description="Read an article, write it to the corpus as <date>-<slug>.md and update "
        "the index. The corpus must be your own folder (CORPUS_DIR or --corpus), not the "
        "bundled articles; --init copies those into it first.",
    )
    add.add_argument("source", nargs="?", help="an http(s) URL, a saved .html page or a .txt file")
    add.add_argument("--title", help="the article's title (default: read from the source)")
    add.add_argument("--date", help="publication date, YYYY-MM-DD (default: read from the source)")
    add.add_argument(
        "--source", dest="source_name", help="publisher, e.g. 'Le Monde' (default: the site name)"
    )
    add.add_argument(
        "--force", action="store_true", help="replace the article if it is already there"
    )
    add.add_argument(
        "--init", action="store_true", help="first copy the bundled articles into the corpus"
    )

    remove = add_command(
        "remove",
        help="remove an article from the corpus (by its id) and update the index",
        description="Remove the article ARTICLE_ID (its file name without .md, shown by "
        "/openai-deals sources) from CORPUS_DIR, or from the database with PostgreSQL, and "
        "update the index; a running bot stops citing it within seconds.",
    )
    remove.add_argument("article_id", nargs="?", help="the article's id, e.g. 2025-10-14-…")

    ev = add_command("eval", help="measure retrieval on a JSONL question file")
    ev.add_argument("file", type=Path, help="questions in the format of shared/eval/dev.jsonl")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument(
        "--distractors",
        type=Path,
        help="also measure on this corpus: the articles plus unrelated ones "
        "(made by bench/distractors.py)",
    )

    deals = add_command("deals", help="the timeline of the deals the articles report")
    deals.add_argument("--json", action="store_true", help="print the timeline as JSON")
    deals.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="draw the timeline to a PNG (extra: plot)"
    )

    report = add_command(
        "report",
        help="what people asked and could not get answered (from the Slack bot's outcomes)",
    )
    report.add_argument(
        "--since", default="7d", help="period: 7d (days), 24h (hours), 2w (weeks); default 7d"
    )
    report.add_argument("--json", action="store_true", help="print the report as JSON")

    serve = add_command("serve", help="run the Slack bot (Socket Mode, or --http)")
    serve.add_argument("--http", action="store_true", help="HTTP mode on /slack/events")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default PORT)")
    return parser


def _add_location_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: an option left out of one place never overwrites the value given in the other.
    unset = {"type": Path, "default": argparse.SUPPRESS}
    parser.add_argument("--corpus", help="corpus directory (CORPUS_DIR)", **unset)
    parser.add_argument("--index-dir", help="index cache directory (INDEX_DIR)", **unset)


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
    if answer.abstained:
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
        "message": messages.terminal_help(),
        "snippets": [],
    }


def _reply(engine, question: str, k: int, as_json: bool) -> str:
    """What ``ask`` prints for one (cleaned) question: the help, or the answer."""
    from openai_deals.questions import is_help_request  # deferred: it loads the engine module

    if is_help_request(question):
        reply = help_json(question) if as_json else messages.terminal_help()
    else:
        answer = engine.answer(question, k=k)
        reply = answer_json(answer) if as_json else render_text(answer, sys.stdout.isatty())
    return json.dumps(reply, ensure_ascii=False) if as_json else reply


def _ask(args, settings: Settings) -> int:
    from openai_deals.questions import clean_question, is_help_request
    from openai_deals.retrieval.model import check_k

    k = settings.top_k if args.k is None else args.k
    try:
        check_k(k)
    except ValueError:
        print(messages.k_out_of_range("--k", k), file=sys.stderr)
        return 2
    if args.question is not None:
        question = clean_question(args.question)
        # The help needs no index: print it without loading one.
        engine = None if is_help_request(question) else _engine(settings)
        print(_reply(engine, question, k, args.json))
        return 0
    engine = _engine(settings)
    if sys.stdin.isatty():
        print(messages.ASK_STDIN_PROMPT, file=sys.stderr)
    first = True
    for line in sys.stdin:
        question = clean_question(line)
        if not question:
            continue
        if args.json:
            print(_reply(engine, question, k, as_json=True), flush=True)
            continue
        # Several answers in a row: each says which question it answers.
        if not first:
            print()
        print(messages.QUESTION_ECHO.format(question=question))
        print(_reply(engine, question, k, as_json=False), flush=True)
        first = False
    return 0


def _index(args, settings: Settings) -> int:
    from openai_deals.retrieval.cache import CacheSaveError
    from openai_deals.retrieval.corpus import corpus_files

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
        logger.error("%s", exc)
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
    from openai_deals.retrieval.prune import prune
    from openai_deals.retrieval.use_files import model_version

    removed = prune(settings.resolved_index_dir, settings.shared_cache_dir, model_version())
    for item in removed:
        print(messages.pruned_line(item.path, item.size, item.why))
    print(messages.pruned_total(len(removed), sum(item.size for item in removed)))


def _add(args, settings: Settings) -> int:
    from openai_deals.articles import FolderArticles
    from openai_deals.retrieval.add import init_corpus
    from openai_deals.retrieval.corpus import corpus_files
    from openai_deals.retrieval.fetch import FetchRefused
    from openai_deals.retrieval.overview import Overview
    from openai_deals.retrieval.sources import AddRefused, read_source
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
    from openai_deals.retrieval.sources import AddRefused
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
        # README's table of metrics.
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
    from openai_deals.retrieval.deals import deals_to_json, timeline

    lanes = timeline(_engine(settings).index.deals)
    if args.plot:
        try:
            from openai_deals.plot import plot_timeline
        except ImportError:
            print(messages.PLOT_NEEDS_MATPLOTLIB, file=sys.stderr)
            return 2
        plot_timeline(lanes, args.plot)
        print(args.plot)
        return 0
    if args.json:
        body = [{"parties": list(p.parties), "deals": deals_to_json(p.deals)} for p in lanes]
        print(json.dumps({"partnerships": body}, ensure_ascii=False, indent=2))
        return 0
    print(render_deals_text(lanes))
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
        store = OutcomeStore.from_settings(settings)
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


class _Progress:
    """A minimal terminal progress bar (no dependency) for long index builds.

    Called with no argument: one more article analysed. :meth:`update` ``(done, total)``:
    the sentence embedding's progress, reported in batches.
    """

    def __init__(self, total: int, label: str = "articles") -> None:
        self.total, self.done = total, 0
        self.label = label

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
    configure_logging(settings.log_level)
    if args.command != "serve":
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    logger.info("%s", settings.describe_source())
    from openai_deals.retrieval.corpus import CorpusDirError, EmptyCorpusError

    commands = {
        "ask": _ask,
        "index": _index,
        "add": _add,
        "remove": _remove,
        "eval": _eval,
        "deals": _deals,
        "serve": _serve,
        "report": _report,
    }
    try:
        return commands[args.command](args, settings)
    except (CorpusDirError, EmptyCorpusError) as exc:
        print(messages.corpus_error(exc), file=sys.stderr)
        for problem in getattr(exc, "problems", ()):
            print(messages.corpus_problem(problem), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
