"""The ``openai-deals`` command: ask, index, add, eval, deals, serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from openai_deals import __version__, messages
from openai_deals.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("openai_deals")

_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-deals",
        description="Answer French questions about AI partnerships with cited news snippets.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default: CORPUS_DIR)")
    parser.add_argument("--index-dir", type=Path, help="index cache directory (INDEX_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question (or one per line of stdin with --json)")
    ask.add_argument("question", nargs="?", help="the question; omit it to read stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    ask.add_argument("--k", type=int, default=None, help="number of snippets (default TOP_K)")

    index = sub.add_parser("index", help="(re)build the cached index of the corpus")
    index.add_argument("--jobs", type=int, default=1, help="spaCy worker processes")
    index.add_argument("--force", action="store_true", help="rebuild even if the cache is fresh")

    add = sub.add_parser(
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

    ev = sub.add_parser("eval", help="measure retrieval on a JSONL question file")
    ev.add_argument("file", type=Path, help="questions in the format of shared/eval/dev.jsonl")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument(
        "--distractors",
        type=Path,
        help="also measure on this corpus: the articles plus unrelated ones "
        "(made by bench/distractors.py)",
    )

    deals = sub.add_parser("deals", help="the timeline of the deals the articles report")
    deals.add_argument("--json", action="store_true", help="print the timeline as JSON")
    deals.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="draw the timeline to a PNG (extra: plot)"
    )

    serve = sub.add_parser("serve", help="run the Slack bot (Socket Mode, or --http)")
    serve.add_argument("--http", action="store_true", help="HTTP mode on /slack/events")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default PORT)")
    return parser


def _engine(settings: Settings, **kwargs):
    from openai_deals.retrieval.engine import load_engine  # deferred: keeps `--help` instant

    return load_engine(
        settings.corpus_dir, settings.resolved_index_dir, embeddings=settings.embeddings, **kwargs
    )


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
        for start, end in snippet.highlights:
            text += [snippet.text[last:start], bold, snippet.text[start:end], reset]
            last = end
        text.append(snippet.text[last:])
        marks = "".join(f"[{c}]" for c in snippet.citations)
        lines.append(f"« {''.join(text)} » {marks}")
        for src in snippet.sources:
            label = " — ".join(p for p in (src.title, src.date_label, src.source) if p)
            refs.setdefault(src.citation, label)
    lines.append("")
    lines += [f"{dim}[{n}] {label}{reset}" for n, label in sorted(refs.items())]
    return "\n".join(lines)


def _ask(args, settings: Settings) -> int:
    k = args.k or settings.top_k
    if k < 1 or k > 10:
        print("--k doit être entre 1 et 10.", file=sys.stderr)
        return 2
    engine = _engine(settings)
    if args.question is not None:
        answer = engine.answer(args.question, k=k)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            print(render_text(answer, color=sys.stdout.isatty()))
        return 0
    if not args.json:
        print(
            'Posez une question : openai-deals ask "…" (ou --json pour lire stdin).',
            file=sys.stderr,
        )
        return 2
    for line in sys.stdin:
        if line.strip():
            answer = engine.answer(line.strip(), k=k)
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
    return 0


def _index(args, settings: Settings) -> int:
    from openai_deals.retrieval.corpus import corpus_files

    # Count the files without reading them: the build reads (and reports) them once.
    total = len(corpus_files(settings.corpus_dir)) if settings.corpus_dir.is_dir() else 0
    progress = _Progress(total) if sys.stderr.isatty() and total > 20 else None
    embedding = _Progress(0, "phrases encodées") if sys.stderr.isatty() else None
    engine = _engine(
        settings,
        rebuild=args.force,
        n_process=max(1, args.jobs),
        progress=progress,
        embed_progress=embedding.update if embedding else None,
    )
    for bar in (progress, embedding):
        if bar and bar.done:
            bar.close()
    index = engine.index
    print(f"{len(index)} phrases, {len(index.articles)} articles → {settings.resolved_index_dir}")
    for problem in index.problems:
        print(f"ignoré : {problem}", file=sys.stderr)
    return 0


def _add(args, settings: Settings) -> int:
    from openai_deals.retrieval.add import add_to_corpus, check_corpus_dir, init_corpus
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
        check_corpus_dir(corpus)
        draft = read_source(
            args.source,
            settings.fetch_policy(),
            title=args.title,
            date=args.date,
            source_name=args.source_name,
        )
        _print_draft(draft)
        added = add_to_corpus(draft, corpus, force=args.force)
    except (FetchRefused, AddRefused) as exc:
        print(messages.refusal(exc), file=sys.stderr)
        return 2
    print(messages.ADD_WRITTEN.format(path=added.path))
    if added.replaced:
        print(messages.ADD_REPLACED.format(paths=", ".join(p.name for p in added.replaced)))
    progress = _Progress(len(corpus_files(corpus))) if sys.stderr.isatty() else None
    embedding = _Progress(0, "phrases encodées") if sys.stderr.isatty() else None
    # rebuild=True: the corpus changed, so the cached index is stale; skip looking at it.
    engine = _engine(
        settings,
        rebuild=True,
        progress=progress,
        embed_progress=embedding.update if embedding else None,
    )
    for bar in (progress, embedding):
        if bar and bar.done:
            bar.close()
    overview = Overview.of(engine.index)
    mine = [a for a in overview.articles if a.article.article_id == added.article_id]
    if not mine:
        problems = [p for p in engine.index.problems if p.startswith(added.path.name)]
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


_METRICS = (
    ("hit_at_1", "hit@1"),
    ("hit_at_3", "hit@3"),
    ("mrr_at_5", "MRR@5"),
    ("abstention_rate", "abstention rate (unanswerable abstained)"),
    ("false_abstention_rate", "false abstention rate"),
    ("mean_snippet_chars", "mean snippet length (chars)"),
)


def _eval(args, settings: Settings) -> int:
    from openai_deals.retrieval.evaluate import evaluate, load_questions

    try:
        items = load_questions(args.file)
    except (OSError, ValueError) as exc:
        print(f"Impossible de lire {args.file} : {exc}", file=sys.stderr)
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
    print(f"{'':42}" + "".join(f"{name:>18}" for name in reports))
    for key, label in _METRICS:
        print(f"{label:42}" + "".join(f"{getattr(r, key):>18.3f}" for r in reports.values()))
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
    refs: dict[str, tuple[int, str]] = {}
    for lane in partnerships:
        lines += ["", messages.partnership_label(lane.parties)]
        for deal in lane.deals:
            marks = ""
            for c in deal.citations:
                label = " — ".join(p for p in (c.title, c.date_label, c.source) if p)
                number = refs.setdefault(c.article_id, (len(refs) + 1, label))[0]
                if f"[{number}]" not in marks:
                    marks += f"[{number}]"
            summary = messages.deal_summary(deal)
            lines.append(
                f"  {deal.date.label:<16} {summary} — {messages.deal_status(deal)} {marks}"
            )
    lines.append("")
    lines += [f"[{n}] {label}" for n, label in sorted(refs.values())]
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {}
    if args.corpus:
        overrides["corpus_dir"] = args.corpus
    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"Configuration invalide — {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command != "serve":
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    commands = {
        "ask": _ask,
        "index": _index,
        "add": _add,
        "eval": _eval,
        "deals": _deals,
        "serve": _serve,
    }
    try:
        return commands[args.command](args, settings)
    except FileNotFoundError as exc:
        print(f"Fichier introuvable : {exc}. Vérifiez CORPUS_DIR ou --corpus.", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"Corpus inutilisable : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
