"""The command line: parse arguments, call the library, print with rich."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from newsweave.config import Settings, default_db_url
from newsweave.errors import NewsweaveError
from newsweave.models import InputFate
from newsweave.store import Store

app = typer.Typer(
    help="newsweave: verified, cited story dossiers from many news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL (default: $NEWSWEAVE_DB or sqlite:///newsweave.db).")]
PathsArg = Annotated[list[Path], typer.Argument(help="Files or directories: .txt, .html, .json, .jsonl, feeds, WARC.")]
FULL_TABLE_MAX = 200


def _settings(db: str | None, **kw: Any) -> Settings:
    return Settings(db_url=db or default_db_url(), **kw)


def _open(settings: Settings) -> Store:
    try:
        return Store(settings.db_url)
    except NewsweaveError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


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
        table.add_row(f.input, f"[{style[f.status]}]{f.status}[/]", detail)
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
    with _open(settings) as store, _progress() as progress:
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
    """Ingest, annotate and run every analysis stage, incrementally; write the dossier."""
    from newsweave.pipeline import analyze as run_analyze
    from newsweave.report.dossier import build_dossier, write_json

    settings = _settings(db, max_input_bytes=max_bytes, out_dir=out)
    with _open(settings) as store:
        try:
            report = run_analyze(paths or [], store, settings, progress_factory=_progress, force=force)
        except NewsweaveError as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        if not quiet:
            print_fates(report.fates)
        for stage, what in report.stages.items():
            console.print(f"[bold]{stage}[/bold]: {what}")
        if json_path or out:
            dossier = build_dossier(store, report.fates)
            if json_path:
                write_json(dossier, json_path)
                console.print(f"dossier JSON: {json_path}")
            if out:
                from newsweave.report.render import write_reports

                for written in write_reports(dossier, store, out):
                    console.print(f"wrote {written}")


@app.command()
def articles(db: DbOpt = None) -> None:
    """List the stored articles."""
    settings = _settings(db)
    with _open(settings) as store:
        table = Table(title=f"Articles in {settings.db_url}")
        for col in ("id", "published", "source", "lang", "title", "input"):
            table.add_column(col, overflow="fold")
        for a in store.articles():
            table.add_row(a.id, a.published or "unknown", a.source or "", a.language or "?", a.title or "",
                          a.input)
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
    console.rule(art.title or art.id)
    for key in ("id", "input", "source", "url", "published", "published_from", "language", "author"):
        console.print(f"[bold]{key}[/bold]: {getattr(art, key) or 'unknown'}")
    console.print()
    console.print(art.text, markup=False, highlight=False)
    if ann is None:
        console.print(f"\n[dim]not annotated (language {art.language})[/dim]")
        return
    console.print(f"\n[bold]{len(ann.sentences)} sentences, {len(ann.tokens)} tokens, "
                  f"{len(ann.entities)} named entities[/bold] ({ann.model})")
    table = Table(title="Named entities")
    for col in ("span", "label", "text"):
        table.add_column(col)
    for e in ann.entities:
        table.add_row(f"{e.start}-{e.end}", e.label, art.text[e.start : e.end])
    console.print(table)
    if tokens:
        tt = Table(title="Tokens")
        for col in ("#", "span", "text", "lemma", "pos", "dep", "head"):
            tt.add_column(col)
        for i, t in enumerate(ann.tokens):
            tt.add_row(str(i), f"{t.start}-{t.end}", art.text[t.start : t.end], t.lemma, t.pos, t.dep, str(t.head))
        console.print(tt)


def main() -> None:
    """Entry point with logging set up."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
