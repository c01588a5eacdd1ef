"""The command line: parse arguments, call the library, print with rich.

Failures are one line each: ``error: [CODE] message`` for errors newsweave raises on
purpose (stable codes, see :mod:`newsweave.errors`), ``error: unexpected ...`` for
anything else; ``newsweave --debug COMMAND`` adds the traceback. Exit codes: 0 done,
1 an output could not be written, an analysis stage failed or an unexpected error, 2 an expected error stopped
the command, 130 interrupted (Ctrl-C); what was stored before the interrupt is kept
and a re-run resumes from there.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from typer import _click
from typer.core import TyperGroup

from newsweave.config import Settings, default_db_url
from newsweave.errors import NewsweaveError, StageError
from newsweave.models import InputFate
from newsweave.report.dossier import provenance_notes
from newsweave.report.output import Outcome, clean
from newsweave.store import Store

#: Exit statuses (see the module docstring).
EXIT_FAILED, EXIT_ERROR, EXIT_INTERRUPTED = 1, 2, 130

# emoji=False: ":x:" or "urn:x:1" in a title or file name is printed as written, never as an emoji
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


def _esc(value: object) -> str:
    """User data for a rich markup string: no markup, no control characters."""
    return escape(clean(value))


def _error_line(exc: BaseException) -> str:
    """One line for a failure: the coded message of a NewsweaveError, else the exception's type and message."""
    if isinstance(exc, NewsweaveError):
        text = str(exc)
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (newsweave --debug shows the traceback)"
    first = next((line.strip() for line in clean(text).splitlines() if line.strip()), type(exc).__name__)
    return f"error: {first}"


def report_error(exc: BaseException, debug: bool) -> None:
    """Print ``exc`` as one line on stderr (with ``debug``, its traceback first)."""
    if debug:
        typer.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
    err_console.print(Text(_error_line(exc), style="red"), soft_wrap=True)


class _Commands(TyperGroup):
    """Turns every error that escapes a command into one line and an exit status."""

    def invoke(self, ctx: _click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # exit statuses and usage errors: typer's own
            raise
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/yellow]")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except NewsweaveError as exc:
            report_error(exc, debug)
            raise typer.Exit(EXIT_ERROR) from None
        except Exception as exc:
            report_error(exc, debug)
            raise typer.Exit(EXIT_FAILED) from None


app = typer.Typer(
    cls=_Commands,
    help="newsweave: verified, cited story dossiers from many news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error, not only its line.")] = False,
) -> None:
    """newsweave: verified, cited story dossiers from many news articles."""
    _RUN["debug"] = debug


#: Options of the current invocation (set by the top-level callback before every command).
_RUN = {"debug": False}


def _debug() -> bool:
    return _RUN["debug"]

DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL (default: $NEWSWEAVE_DB or sqlite:///newsweave.db).")]
PathsArg = Annotated[list[Path], typer.Argument(help="Files or directories: .txt, .html, .json, .jsonl, feeds, WARC.")]
FULL_TABLE_MAX = 200


def _settings(db: str | None, **kw: Any) -> Settings:
    return Settings(db_url=db or default_db_url(), **kw)


def _open(settings: Settings) -> Store:
    try:
        return Store(settings.db_url)
    except NewsweaveError as exc:
        report_error(exc, _debug())
        raise typer.Exit(EXIT_ERROR) from None


def _kept(store: Store) -> str:
    """What the store holds: stored articles and how many of them are annotated."""
    return f"{store.count_articles()} articles stored, {store.count_annotations()} of them annotated"


@contextlib.contextmanager
def _resumable(store: Store) -> Iterator[None]:
    """On Ctrl-C: say what was kept and that a re-run resumes; exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        try:
            kept = _kept(store)
        except Exception as exc:  # the store may be mid-transaction; what was committed is kept all the same
            kept = f"everything committed before the interrupt (could not count it: {type(exc).__name__})"
        err_console.print(f"[yellow]interrupted.[/yellow] Kept in {_esc(store.url)}: {_esc(kept)}, and the "
                          "results of every analysis stage that had finished. Run the same command again to "
                          "resume where it stopped.", soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True,
                    disable=not err_console.is_terminal)


def print_fates(fates: list[InputFate]) -> None:
    """The table of every input and its fate (collapsed to counts past a few hundred rows)."""
    table = Table(title="Inputs", show_lines=False)
    table.add_column("input", overflow="fold")
    table.add_column("fate")
    table.add_column("reason / article", overflow="fold")
    shown = fates if len(fates) <= FULL_TABLE_MAX else [f for f in fates if f.status != "stored"][:FULL_TABLE_MAX]
    style = {"stored": "green", "duplicate": "yellow", "skipped": "red"}
    for f in shown:
        detail = f.reason if f.status != "stored" else (f.article_id or "")
        # Text cells: an input name or reason is shown as written (no markup, no emoji codes)
        table.add_row(Text(clean(f.input)), Text(f.status, style=style.get(f.status, "")), Text(clean(detail)))
    console.print(table)
    counts: dict[str, int] = {}
    for f in fates:
        counts[f.status] = counts.get(f.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no inputs"
    if len(shown) < len(fates):
        summary += f" (table shows the {len(shown)} not stored; --json FILE lists every input)"
    console.print(f"{len(fates)} inputs: {summary}")


@app.command()
def ingest(paths: PathsArg, db: DbOpt = None,
           max_bytes: Annotated[int, typer.Option(help="Largest single input file to read, in bytes.")] = 20_000_000,
           ) -> None:
    """Read inputs and store the new articles (no analysis)."""
    from newsweave.pipeline import ingest as run_ingest

    settings = _settings(db, max_input_bytes=max_bytes)
    with _open(settings) as store, _resumable(store), _progress() as progress:
        fates = run_ingest(paths, store, settings, progress)
    print_fates(fates)


@app.command()
def analyze(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories to add first (optional).")] = None,
    db: DbOpt = None,
    out: Annotated[Path | None, typer.Option(help="Write the dossier (JSON, Markdown, HTML) into this folder.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the dossier JSON to this file.")] = None,
    max_bytes: Annotated[int, typer.Option(help="Largest single input file to read, in bytes.")] = 20_000_000,
    quiet: Annotated[bool, typer.Option(help="Do not print the input table.")] = False,
    force: Annotated[bool, typer.Option(help="Re-run every analysis stage even if its inputs did not change.")] = False,
) -> None:
    """Ingest, annotate and run every analysis stage, incrementally; write the dossier.

    Each output (the JSON, each Markdown and HTML page) is written on its own and atomically: one that
    fails is reported in one line and the others are still written (exit status 1).
    """
    from newsweave.pipeline import analyze as run_analyze
    from newsweave.report.dossier import build_dossier
    from newsweave.report.render import write_reports

    settings = _settings(db, max_input_bytes=max_bytes)
    with _open(settings) as store, _resumable(store):
        report = run_analyze(paths or [], store, settings, progress_factory=_progress, force=force)
        if not quiet:
            print_fates(report.fates)
        for stage, what in report.stages.items():
            console.print(Text.assemble((stage, "bold"), ": ", clean(what)))
        written = True
        if json_path or out:
            outcomes = write_reports(build_dossier(store, report.fates), store, out, json_path)
            written = print_outcomes(outcomes, _debug())
        for name, exc in report.failures.items():
            failed = StageError(f"stage {name} failed ({type(exc).__name__}: {exc}); its previous records "
                                "are kept and the other stages ran")
            failed.__cause__ = exc
            report_error(failed, _debug())
        if not written or report.failures:
            raise typer.Exit(EXIT_FAILED)


def print_outcomes(outcomes: list[Outcome], debug: bool = False) -> bool:
    """One line per output written or failed; True when all were written."""
    for o in outcomes:
        if o.error is None:
            console.print(Text(f"wrote {clean(o.path)}"))
        else:
            report_error(o.error, debug)
    failed = sum(1 for o in outcomes if o.error is not None)
    if failed:
        written = "the others were written; " if failed < len(outcomes) else ""
        err_console.print(Text(f"{failed} of {len(outcomes)} outputs not written ({written}the store keeps every "
                               "result: re-run to write them)", style="red"), soft_wrap=True)
    return not failed


@app.command()
def articles(db: DbOpt = None) -> None:
    """List the stored articles."""
    settings = _settings(db)
    with _open(settings) as store:
        table = Table(title=f"Articles in {settings.db_url}")
        for col in ("id", "published", "source", "lang", "title", "input"):
            table.add_column(col, overflow="fold")
        for a in store.articles():
            table.add_row(a.id, a.published or "unknown", _esc(a.source or ""), a.language or "?",
                          _esc(a.title or ""), _esc(a.input))
        console.print(table)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id (or a unique prefix of it).")],
    db: DbOpt = None,
    tokens: Annotated[bool, typer.Option(help="Also list every token with lemma, POS and head.")] = False,
) -> None:
    """Show one article with its metadata and annotations."""
    settings = _settings(db)
    with _open(settings) as store:
        art = store.article(article_id)
        if art is None:
            err_console.print(f"[red]no article with id {article_id!r}[/red]")
            raise typer.Exit(1)
        ann = store.annotations([art.id]).get(art.id)
    console.rule(_esc(art.title or art.id))
    for key in ("id", "input", "source", "url", "published", "published_from", "language", "author"):
        console.print(f"[bold]{key}[/bold]: {_esc(str(getattr(art, key) or 'unknown'))}")
    for key, notes in provenance_notes(art).items():
        for note in notes:
            console.print(f"[bold]{key}[/bold]: {_esc(note)}")
    console.print()
    console.print(clean(art.text), markup=False, highlight=False)
    if ann is None:
        console.print(f"\n[dim]not annotated (language {art.language})[/dim]")
        return
    console.print(f"\n[bold]{len(ann.sentences)} sentences, {len(ann.tokens)} tokens, "
                  f"{len(ann.entities)} named entities[/bold] ({ann.model})")
    table = Table(title="Named entities")
    for col in ("span", "label", "text"):
        table.add_column(col)
    for e in ann.entities:
        table.add_row(f"{e.start}-{e.end}", e.label, _esc(art.text[e.start : e.end]))
    console.print(table)
    if tokens:
        tt = Table(title="Tokens")
        for col in ("#", "span", "text", "lemma", "pos", "dep", "head"):
            tt.add_column(col)
        for i, t in enumerate(ann.tokens):
            tt.add_row(str(i), f"{t.start}-{t.end}", _esc(art.text[t.start : t.end]), _esc(t.lemma), t.pos, t.dep,
                       str(t.head))
        console.print(tt)


StoryOpt = Annotated[str | None, typer.Option("--story", help="Only this story (id or unique id prefix).")]


def _labels(store: Store) -> dict[str, str]:
    from newsweave.models import article_label

    return {a.id: article_label(a) for a in store.articles()}


def _story_articles(store: Store, story: str | None) -> set[str] | None:
    """The article ids of a story given by id or unique prefix (None: no filter)."""
    if story is None:
        return None
    found = [s for s in store.records("story") if s["id"] == story or s["id"].startswith(story)]
    if len(found) != 1:
        err_console.print(f"[red]no single story matches {story!r} (see `newsweave stories`)[/red]")
        raise typer.Exit(1)
    return set(found[0]["article_ids"])


def _cite(ids: list[str], labels: dict[str, str]) -> str:
    return ", ".join(labels.get(a, a) for a in ids)


@app.command()
def stories(db: DbOpt = None) -> None:
    """List storylines and the event stories in them, with dates and articles."""
    with _open(_settings(db)) as store:
        labels = _labels(store)
        recs = store.records("story")
        table = Table(title="Stories")
        for col in ("id", "level", "label", "first", "last", "articles"):
            table.add_column(col, overflow="fold")
        lines = sorted(recs, key=lambda s: (s.get("parent_id") or s["id"], s.get("level") != "storyline"))
        for s in lines:
            indent = "  " if s.get("level") == "event" and s.get("parent_id") else ""
            table.add_row(s["id"], s["level"], _esc(indent + s["label"]), s.get("first_date") or "unknown",
                          s.get("last_date") or "unknown", _cite(s["article_ids"], labels))
        console.print(table)


@app.command()
def reuse(db: DbOpt = None, min_share: Annotated[float, typer.Option(help="Smallest share to list.")] = 0.0) -> None:
    """Who copied whom: copied passages with spans on both sides, origin and how it was decided."""
    with _open(_settings(db)) as store:
        labels = _labels(store)
        table = Table(title="Reuse (copy <- origin)")
        for col in ("copy", "origin", "share", "origin decided by", "passages (copy span <- origin span)"):
            table.add_column(col, overflow="fold")
        for r in sorted(store.records("reuse"), key=lambda r: -r["share"]):
            if r["share"] < min_share:
                continue
            spans = "; ".join(f"{p['copy_start']}-{p['copy_end']} <- {p['origin_start']}-{p['origin_end']}"
                              for p in r["passages"][:8])
            how = ("uncertain: " if r.get("origin_uncertain") else "") + (r.get("origin_reason") or "")
            table.add_row(labels.get(r["copy_article_id"], r["copy_article_id"]),
                          labels.get(r["origin_article_id"], r["origin_article_id"]), f"{r['share']:.0%}", how, spans)
        console.print(table)
        originality = Table(title="Originality and credited wires")
        for col in ("article", "original share", "credits"):
            originality.add_column(col, overflow="fold")
        for a in store.records("article_reuse"):
            wires = ", ".join(sorted({w["wire"] for w in a.get("credited_wires", [])}))
            originality.add_row(labels.get(a["article_id"], a["article_id"]), f"{a['originality']:.0%}", wires)
        console.print(originality)


@app.command()
def entities(db: DbOpt = None, story: StoryOpt = None,
             kind: Annotated[str | None, typer.Option(help="Only this kind (person, organization, place).")] = None,
             ) -> None:
    """People, organizations and places with every spelling variant (flagged) and their roles."""
    with _open(_settings(db)) as store:
        labels = _labels(store)
        only = _story_articles(store, story)
        table = Table(title="Entities")
        for col in ("entity", "kind", "variants (articles)", "roles (articles)"):
            table.add_column(col, overflow="fold")
        ents = sorted(store.records("entity"), key=lambda e: -len(e.get("article_ids") or []))
        for e in ents:
            if only is not None and not set(e.get("article_ids") or []) & only:
                continue
            if kind and e["kind"].lower() != kind.lower():
                continue
            variants = "\n".join(f"{v['text']}{' [' + ', '.join(v['flags']) + ']' if v.get('flags') else ''} "
                                  f"({_cite(v['article_ids'], labels)})" for v in e["variants"])
            roles = "\n".join(f"{r['text']} ({_cite(r['article_ids'], labels)})" for r in e.get("roles", []))
            table.add_row(_esc(e["name"]), e["kind"], _esc(variants), _esc(roles))
        console.print(table)


@app.command()
def quotes(db: DbOpt = None, story: StoryOpt = None,
           speaker: Annotated[str | None, typer.Option(help="Only quotes whose speaker name contains this.")] = None,
           ) -> None:
    """Who said what: statements grouped across outlets, with each outlet's wording and span."""
    from newsweave.textutil import fold

    with _open(_settings(db)) as store:
        labels = _labels(store)
        only = _story_articles(store, story)
        names = {e["id"]: e["name"] for e in store.records("entity")}
        shown = 0
        for q in sorted(store.records("quote"), key=lambda q: -len(q["article_ids"])):
            if only is not None and not set(q["article_ids"]) & only:
                continue
            who = names.get(q.get("speaker_entity_id") or "", q.get("speaker_text") or "unattributed")
            if speaker and fold(speaker) not in fold(who) and fold(speaker) not in fold(q.get("speaker_text") or ""):
                continue
            shown += 1
            console.print(f"[bold]{_esc(who)}[/bold]: “{_esc(q['text'])}”", highlight=False)
            for v in q["variants"]:
                console.print(f"   {labels.get(v['article_id'], v['article_id'])} {v['start']}-{v['end']}: "
                              f"{v['text']}", markup=False, highlight=False)
        console.print(f"{shown} statements")


@app.command()
def timeline(story: Annotated[str, typer.Argument(help="Story id (or unique prefix); `all` before clustering.")],
             db: DbOpt = None,
             all_events: Annotated[bool, typer.Option("--all-events", help="Every extracted event, not only "
                                                      "the key dates.")] = False) -> None:
    """A story's key dates, each with what happened (cited) and its support; --all-events lists every event."""
    from newsweave.report.render import event_phrase

    with _open(_settings(db)) as store:
        labels = _labels(store)
        recs = store.records("story")
        match = [s for s in recs if s["id"] == story or s["id"].startswith(story)]
        wanted = {story} if story == "all" else {s["id"] for s in match} | {
            c["id"] for s in match for c in recs if c.get("parent_id") == s["id"]}
        key = [e for t in store.records("key_timeline") if t["story_id"] in wanted for e in t["entries"]]
        timelines = [t for t in store.records("timeline") if t["story_id"] in wanted]
        if not timelines and not key:
            err_console.print(f"[red]no timeline for story {story!r} (see `newsweave stories`)[/red]")
            raise typer.Exit(1)
        if key and not all_events:
            table = Table(title=f"Key dates of {story} (--all-events: every extracted event)")
            for col in ("date", "what happened", "articles", "independent", "evidence"):
                table.add_column(col, overflow="fold")
            for e in sorted(key, key=lambda e: e["date"]):
                for s in e["statements"]:
                    ev = s["evidence"]
                    dated = " (dated by publication)" if s.get("dated_by") == "publication" else ""
                    when = e["date"] + (" (background)" if e.get("background") else "")
                    table.add_row(when, _esc(s["text"]) + dated, str(len(e["article_ids"])),
                                  str(e["independent_sources"]),
                                  f"{labels.get(ev['article_id'], ev['article_id'])} {ev['start']}-{ev['end']}")
            console.print(table)
            return
        table = Table(title=f"Timeline of {story}")
        for col in ("date", "precision", "what happened", "articles", "independent", "evidence"):
            table.add_column(col, overflow="fold")
        entries = sorted((e for t in timelines for e in t["entries"]),
                         key=lambda e: (e["date"] is None, e["date"] or ""))
        for e in entries:
            ev = "; ".join(f"{labels.get(x['article_id'], x['article_id'])} {x['start']}-{x['end']}"
                           for x in e.get("evidence", [])[:4])
            table.add_row(e.get("date") or "unknown", e.get("date_precision") or "", _esc(event_phrase(e)),
                          str(len(e["article_ids"])), str(e.get("independent_sources", "")), ev)
        console.print(table)


@app.command()
def discrepancies(db: DbOpt = None, story: StoryOpt = None) -> None:
    """Where outlets disagree or err: each value, which articles hold it, which the sources support."""
    with _open(_settings(db)) as store:
        labels = _labels(store)
        only = _story_articles(store, story)
        for d in store.records("discrepancy"):
            ids = {a for v in d["values"] for a in v["article_ids"]}
            if only is not None and not ids & only:
                continue
            console.print(f"[bold]{d['kind']}[/bold]: {_esc(d['description'])} (confidence {d['confidence']})",
                          highlight=False)
            for v in d["values"]:
                mark = " [green](supported)[/green]" if v["value"] == d.get("supported_value") else ""
                ev = "; ".join(f"{labels.get(x['article_id'], x['article_id'])} {x['start']}-{x['end']}"
                               for x in v.get("evidence", [])[:4])
                console.print(f"   {_esc(v['value'])}{mark} — {_cite(v['article_ids'], labels)} "
                              f"({v.get('independent_sources', '?')} independent) {_esc('[' + ev + ']')}",
                              highlight=False)


def main() -> None:
    """Entry point with logging set up."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
