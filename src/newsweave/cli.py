"""The command line: parse arguments, call the library, print with rich.

Failures are one line each: ``error: [CODE] message`` for errors newsweave raises on
purpose (stable codes, see :mod:`newsweave.errors`), ``error: unexpected ...`` for
anything else; ``newsweave --debug COMMAND`` adds the traceback. Exit codes: 0 done,
1 an output could not be written, an analysis stage failed, an unexpected error, or an id or name given
matches nothing (or several things: the line lists them), 2 an expected error stopped the command or an
option value is malformed (a date that is no date), 130 interrupted (Ctrl-C); what was stored before the
interrupt is kept and a re-run resumes from there.
"""

from __future__ import annotations

import calendar
import contextlib
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

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
from newsweave.textutil import fold

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
EntityOpt = Annotated[str | None, typer.Option(
    "--entity", help="Only this entity: any spelling of its name (accents and case aside), or its id.")]


def _labels(store: Store) -> dict[str, str]:
    from newsweave.models import article_label

    return {a.id: article_label(a) for a in store.articles()}


def _labels_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Readable labels of the given articles only (read by id, not the whole store)."""
    from newsweave.models import article_label

    return {a.id: article_label(a) for a in store.articles(sorted(set(ids)))}


def _not_found(message: str) -> NoReturn:
    """A lookup that matched nothing (or several things): the message on stderr, exit status 1."""
    err_console.print(Text(clean(message), style="red"), soft_wrap=True)
    raise typer.Exit(1)


def _story(store: Store, story: str) -> dict[str, Any]:
    """The story given by id or unique id prefix (an exact id wins over longer ids it prefixes)."""
    recs = store.records("story")
    found = [s for s in recs if s["id"] == story] or [s for s in recs if s["id"].startswith(story)]
    if len(found) != 1:
        _not_found(f"no single story matches {story!r} (see `newsweave stories`)")
    return found[0]


def _story_articles(store: Store, story: str | None) -> set[str] | None:
    """The article ids of a story given by id or unique prefix (None: no filter)."""
    return None if story is None else set(_story(store, story)["article_ids"])


_ENTITY_ID = re.compile(r"ent_[0-9a-f]+")


def _entity(store: Store, name: str, option: str) -> dict[str, Any]:
    """The one entity that ``name`` (any spelling, accents and case aside, or an entity id) names.

    None or several: say so (several: list them, to be given by id) and exit 1; never a guess.
    """
    found = store.entities_named(name)
    if not found and _ENTITY_ID.fullmatch(name.strip()):  # an id, as listed for an ambiguous name
        found = [e for e in store.records("entity") if e["id"] == name.strip()]
    if not found:
        _not_found(f"no entity is named {name!r} under any spelling (accents and case aside); "
                   "`newsweave entities` lists them")
    if len(found) > 1:
        lines = [f"{name!r} names {len(found)} entities; give one by its id ({option} ID):"]
        lines += [f"  {e.get('kind') or '?'}  {e.get('name') or ''}  {e['id']}  "
                  f"({len(e.get('article_ids') or [])} articles)" for e in found]
        _not_found("\n".join(lines))
    return found[0]


def _count(n: int, one: str, many: str) -> str:
    """``"no stories"``, ``"1 story"``, ``"3 stories"``."""
    return f"{n or 'no'} {one if n == 1 else many}"


def _who(entity: dict[str, Any]) -> str:
    return f"{entity.get('name') or '?'} ({entity.get('kind') or '?'}, {entity['id']})"


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _day_bound(value: str | None, last: bool) -> str | None:
    """An ISO day from ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a month or year: its first or ``last`` day)."""
    if value is None:
        return None
    m = _DATE.fullmatch(value.strip())
    try:
        if m is None:
            raise ValueError(value)
        year, month = int(m[1]), int(m[2] or (12 if last else 1))
        day = int(m[3]) if m[3] else (calendar.monthrange(year, month)[1] if last else 1)
        return date(year, month, day).isoformat()
    except (ValueError, calendar.IllegalMonthError):
        raise typer.BadParameter(f"{value!r} is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)") from None


def _first_day(value: str | None) -> str | None:
    return _day_bound(value, last=False)


def _last_day(value: str | None) -> str | None:
    return _day_bound(value, last=True)


def _window(start: str | None, end: str | None, names: tuple[str, str]) -> str:
    """Check ``start`` <= ``end``; a few words for titles (" from 2019-01-26 to 2019-01-26")."""
    if start and end and start > end:
        raise typer.BadParameter(f"{names[0]} {start} is after {names[1]} {end}")
    return (f" from {start}" if start else "") + (f" to {end}" if end else "")


def _in_window(s: dict[str, Any], since: str | None, until: str | None) -> bool:
    """A story meets ``since``..``until`` (as :meth:`Store.stories_with_entity` decides it)."""
    first, last = (s.get("first_date") or "")[:10], (s.get("last_date") or "")[:10]
    return not ((since and (not last or last < since)) or (until and (not first or first > until)))


def _cite(ids: list[str], labels: dict[str, str]) -> str:
    return ", ".join(labels.get(a, a) for a in ids)


def _spans(items: Iterable[dict[str, Any]], labels: dict[str, str], most: int = 4) -> str:
    """Evidence as "article start-end; ..." (the first ``most``, then how many more)."""
    items = list(items)
    out = "; ".join(f"{labels.get(x['article_id'], x['article_id'])} {x['start']}-{x['end']}" for x in items[:most])
    return out + (f"; +{len(items) - most} more" if len(items) > most else "")


def _spans_in(article_id: str, items: list[dict[str, Any]], labels: dict[str, str], most: int = 6) -> str:
    """One article's spans as "article start-end, start-end (+N more)", in text order."""
    spans = sorted({(x["start"], x["end"]) for x in items})
    out = ", ".join(f"{a}-{b}" for a, b in spans[:most])
    more = f" (+{len(spans) - most} more)" if len(spans) > most else ""
    return f"{labels.get(article_id, article_id)} {out}{more}"


def _date_option(flag: str, last: bool, help: str) -> Any:
    """A date option: checked and made an ISO day (a month or year: its first day, or its ``last``)."""
    bound = "last" if last else "first"
    return typer.Option(flag, callback=_last_day if last else _first_day, metavar="DATE",
                        help=f"{help} (YYYY-MM-DD; YYYY-MM or YYYY: its {bound} day).")


SinceOpt = Annotated[str | None, _date_option("--since", False, "Only stories whose dates reach this day or later")]
UntilOpt = Annotated[str | None, _date_option("--until", True, "Only stories whose dates begin this day or earlier")]
FromOpt = Annotated[str | None, _date_option("--from", False, "First day of the range")]
ToOpt = Annotated[str | None, _date_option("--to", True, "Last day of the range, included")]


@app.command()
def stories(db: DbOpt = None, entity: EntityOpt = None, since: SinceOpt = None, until: UntilOpt = None) -> None:
    """List storylines and the event stories in them, with dates and articles.

    --entity NAME: only the stories with an article that mentions it (by any spelling, pronoun or nominal),
    with those mentions cited. --since/--until: only the stories whose first-to-last article dates meet
    that window; a story without dates is then left out.
    """
    with _open(_settings(db)) as store:
        window = _window(since, until, ("--since", "--until"))
        ent = _entity(store, entity, "--entity") if entity is not None else None
        if ent is None:
            recs = [s for s in store.records("story") if _in_window(s, since, until)]
            cited: dict[str, list[dict[str, Any]]] = {}
        else:
            recs = store.stories_with_entity(ent["id"], since, until)
            cited = {}
            for m in store.mentions_of(ent["id"]):
                cited.setdefault(m["article_id"], []).append(m)
        labels = _labels_of(store, [a for s in recs for a in s["article_ids"]])
        title = "Stories" if ent is None else f"Stories that mention {_who(ent)}"
        table = Table(title=_esc(title + window))
        cols = ["id", "level", "label", "first", "last", "articles"] + ([] if ent is None else ["mentions"])
        for col in cols:
            table.add_column(col, overflow="fold")
        lines = sorted(recs, key=lambda s: (s.get("parent_id") or s["id"], s.get("level") != "storyline"))
        for s in lines:
            indent = "  " if s.get("level") == "event" and s.get("parent_id") else ""
            row = [s["id"], s["level"], _esc(indent + s["label"]), s.get("first_date") or "unknown",
                   s.get("last_date") or "unknown", _cite(s["article_ids"], labels)]
            if ent is not None:
                row.append(_esc("\n".join(_spans_in(a, cited[a], labels) for a in s["article_ids"] if a in cited)))
            table.add_row(*row)
        console.print(table)
        if ent is not None or window:
            verb = "mention" if len(recs) != 1 else "mentions"
            what = f"{verb} {ent.get('name') or ent['id']}" if ent is not None else "in the window"
            console.print(Text(f"{_count(len(recs), 'story', 'stories')} {clean(what)}{window}"))


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
           speaker: Annotated[str | None, typer.Option(
               help="Only this person's (or organization's) quotes: any spelling of the name, accents and case "
                    "aside, or the entity id; a name that fits several entities lists them instead.")] = None,
           ) -> None:
    """Who said what: statements grouped across outlets, with each outlet's wording and span."""
    with _open(_settings(db)) as store:
        sid = _story(store, story)["id"] if story is not None else None
        ent = _entity(store, speaker, "--speaker") if speaker is not None else None
        if ent is not None:
            recs = store.quotes_by_speaker(ent["id"], sid)
            names = {ent["id"]: ent.get("name") or ent["id"]}
            console.print(Text.assemble("Quotes by ", (clean(_who(ent)), "bold"),
                                        f" in story {sid}" if sid else ""))
        else:
            recs = store.quotes_of_story(sid) if sid is not None else store.records("quote")
            names = {e["id"]: e["name"] for e in store.records("entity")}
        labels = _labels_of(store, [v["article_id"] for q in recs for v in q["variants"]])
        for q in sorted(recs, key=lambda q: -len(q["article_ids"])):
            who = names.get(q.get("speaker_entity_id") or "", q.get("speaker_text") or "unattributed")
            if ent is not None:
                who = names[ent["id"]]
            console.print(f"[bold]{_esc(who)}[/bold]: “{_esc(q['text'])}”", highlight=False)
            for v in q["variants"]:
                note = ""
                if ent is not None and v.get("speaker_entity_id", ent["id"]) != ent["id"]:
                    note = f" [attributed to {v.get('speaker_text') or 'no one'}]"
                elif ent is not None and v.get("speaker_text") and fold(v["speaker_text"]) != fold(who):
                    note = f" [speaker written “{v['speaker_text']}”]"
                console.print(f"   {labels.get(v['article_id'], v['article_id'])} {v['start']}-{v['end']}: "
                              f"{clean(v['text'])}{clean(note)}", markup=False, highlight=False)
        console.print(f"{len(recs)} statements")


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
def events(db: DbOpt = None, start: FromOpt = None, end: ToOpt = None, story: StoryOpt = None,
           entity: Annotated[str | None, typer.Option(
               "--entity", help="Only events with this entity as actor or target: any spelling of its name "
                                "(accents and case aside), or its id.")] = None,
           ) -> None:
    """Dated events in a date range, by date: type, actor, what happened, and the evidence span.

    An event is in the range when every day its date may mean lies in it: one dated only "2019" is in no
    week of 2019. Undated events (no date in the text; dated only by the article's publication) are in no
    range and never listed here: `newsweave timeline STORY --all-events` shows them.
    """
    from newsweave.report.render import event_phrase

    with _open(_settings(db)) as store:
        window = _window(start, end, ("--from", "--to"))
        sid = _story(store, story)["id"] if story is not None else None
        ent = _entity(store, entity, "--entity") if entity is not None else None
        recs = store.events_between(start, end, story=sid, entity=ent["id"] if ent else None)
        labels = _labels_of(store, [x["article_id"] for e in recs for x in e.get("evidence") or []]
                            + [a for e in recs for a in e.get("article_ids") or []])
        title = "Events" + window + (f" in story {sid}" if sid else "") + (f" of {_who(ent)}" if ent else "")
        table = Table(title=_esc(title))
        for col in ("date", "precision", "dated by", "type", "actor", "what happened", "evidence"):
            table.add_column(col, overflow="fold")
        for e in recs:
            dated = e.get("date_source") or ""
            span, where = e.get("date_evidence"), (e.get("article_ids") or [""])[0]
            if span and len(e.get("article_ids") or []) == 1:
                dated += f" {labels.get(where, where)} {span['start']}-{span['end']}"
            table.add_row(e.get("date") or "unknown", e.get("date_precision") or "", _esc(dated),
                          _esc(e.get("type") or ""), _esc(e.get("actor_text") or ""), _esc(event_phrase(e)),
                          _esc(_spans(e.get("evidence") or [], labels)))
        console.print(table)
        console.print(Text(f"{_count(len(recs), 'dated event', 'dated events')}{window} "
                           "(undated events are in no range)"))


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    watch: Annotated[list[str] | None, typer.Option(
        "--watch", help="Keep the store current from these feeds while serving (repeatable): an OPML file, a "
                        "file of RSS/Atom/sitemap URLs, or URLs; GET /api/watch shows the runs.")] = None,
    every: Annotated[float, typer.Option(help="Seconds between two watch runs (with --watch).", min=1.0)] = 900.0,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes sharing the port (one per core "
                                                            "serves most requests at once; not with --watch).")] = 1,
) -> None:
    """Serve the REST API (under /api, OpenAPI at /api/openapi.json) and the web UI over a store.

    Reads are open unless NEWSWEAVE_API_PROTECT_READS=1; POST /api/ingest needs the bearer token in
    NEWSWEAVE_API_TOKEN (without one, ingest over HTTP is off). Ctrl-C stops it.
    """
    from newsweave.service.app import run

    if watch and workers > 1:
        raise typer.BadParameter("feeds are watched by one process: use --workers 1 with --watch, or run "
                                 "`newsweave watch` beside the service", param_hint="--workers")
    settings = _settings(db)
    console.print(Text(f"newsweave serving {clean(settings.db_url)} on http://{host}:{port}/ (API docs: /api/docs)"
                       + (f" with {workers} worker processes" if workers > 1 else "")))
    run(host, port, settings, feeds=watch, watch_every=every, workers=workers)


@app.command()
def discrepancies(db: DbOpt = None, story: StoryOpt = None, entity: Annotated[str | None, typer.Option(
        "--entity", help="Only discrepancies about this entity (its name, role, quotes, events): any spelling "
                         "of its name (accents and case aside), or its id.")] = None) -> None:
    """Where outlets disagree or err: each value, which articles hold it, which the sources support."""
    with _open(_settings(db)) as store:
        sid = _story(store, story)["id"] if story is not None else None
        ent = _entity(store, entity, "--entity") if entity is not None else None
        if sid is None and ent is None:
            recs = store.records("discrepancy")
        else:  # a story's, an entity's, or both (those of the story that are about the entity)
            found = ([store.discrepancies_of(sid)] if sid is not None else []) + (
                [store.discrepancies_about(ent["id"])] if ent is not None else [])
            keep = set.intersection(*({d["id"] for d in f} for f in found))
            recs = [d for d in found[0] if d["id"] in keep]
        labels = _labels_of(store, [a for d in recs for v in d["values"] for a in v["article_ids"]]
                            + [x["article_id"] for d in recs for v in d["values"] for x in v.get("evidence") or []])
        for d in recs:
            console.print(f"[bold]{d['kind']}[/bold]: {_esc(d['description'])} (confidence {d['confidence']})",
                          highlight=False)
            for v in d["values"]:
                mark = " [green](supported)[/green]" if v["value"] == d.get("supported_value") else ""
                ev = _spans(v.get("evidence") or [], labels)
                console.print(f"   {_esc(v['value'])}{mark} — {_cite(v['article_ids'], labels)} "
                              f"({v.get('independent_sources', '?')} independent) {_esc('[' + ev + ']')}",
                              highlight=False)
        console.print(_count(len(recs), "discrepancy", "discrepancies"))


def print_fetches(report: Any) -> None:
    """The table of every fetch of a watch run (a ``WatchReport``) and its fate; past a few hundred rows, the
    stored pages are left out of the table."""
    fates = report.fates
    table = Table(title="Fetches", show_lines=False)
    table.add_column("kind")
    table.add_column("url", overflow="fold")
    table.add_column("fate")
    table.add_column("reason / article", overflow="fold")
    shown = fates if len(fates) <= FULL_TABLE_MAX else [f for f in fates if f.status != "stored"][:FULL_TABLE_MAX]
    style = {"stored": "green", "fetched": "green", "not_modified": "cyan", "duplicate": "yellow",
             "postponed": "yellow", "not_found": "dim"}
    for f in shown:
        detail = (f.article_id or "") if f.status == "stored" else f.reason + (" (retried next run)" if f.retry else "")
        table.add_row(Text(f.role), Text(clean(f.url)), Text(f.status, style=style.get(f.status, "red")),
                      Text(clean(detail)))
    console.print(table)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items())) or "nothing fetched"
    console.print(f"{len(fates)} fetches: {summary}"
                  + (f" (table shows the {len(shown)} not stored)" if len(shown) < len(fates) else ""))


@app.command()
def watch(
    feeds: Annotated[list[str], typer.Argument(
        help="Feeds: an OPML file, a file of RSS/Atom/sitemap URLs (one a line, # comments), or URLs.")],
    db: DbOpt = None,
    every: Annotated[float | None, typer.Option(
        help="Run again every SECONDS until interrupted (default: run once).", min=1.0)] = None,
    max_pages: Annotated[int | None, typer.Option(
        help="Pages fetched per run at most; the rest wait for the next run (default 200).", min=0)] = None,
    delay: Annotated[float | None, typer.Option(
        help="Seconds between two requests to one host (default 1; robots.txt Crawl-delay wins if longer).",
        min=0.0)] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds to wait for a server (default 20).", min=0.1)] = None,
    max_bytes: Annotated[int | None, typer.Option(
        help="Largest response read, in bytes (default 5,000,000).", min=1)] = None,
    no_analyze: Annotated[bool, typer.Option("--no-analyze", help="Only fetch and store; analyse later.")] = False,
    quiet: Annotated[bool, typer.Option(help="Do not print the fetch table.")] = False,
) -> None:
    """Keep a store current from feeds: fetch new entries, store them, update the analysis.

    Feeds are fetched politely (robots.txt, a delay per host, conditional GET, retries
    with backoff) and every fetch ends with a fate in the table. Exit status 1 when an
    analysis stage failed in the (last) run.
    """
    import threading

    from newsweave.ingest.watch import Watcher, WatchReport

    overrides = {"watch_max_pages": max_pages, "fetch_host_delay_s": delay, "fetch_timeout_s": timeout,
                 "fetch_max_bytes": max_bytes}
    settings = _settings(db, **{k: v for k, v in overrides.items() if v is not None})
    _open(settings).close()  # a store that cannot be opened is one error line before anything is fetched
    watcher = Watcher(feeds, settings, analyze=not no_analyze)
    failed: list[bool] = [False]

    def show(report: WatchReport) -> None:
        if not quiet:
            print_fetches(report)
        for stage, what in report.stages.items():
            console.print(Text.assemble((stage, "bold"), ": ", clean(what)))
        for name, exc in report.failures.items():
            report_error(StageError(f"stage {name} failed ({type(exc).__name__}: {exc}); its previous records "
                                    "are kept and the other stages ran"), _debug())
        failed[0] = bool(report.failures)
        if every:
            console.print(f"[dim]{_esc(report.finished)}: next run in {every:g} s (Ctrl-C stops)[/dim]")

    if every is None:
        show(watcher.run_once())
    else:
        stop = threading.Event()
        try:
            watcher.run_forever(every, stop, on_report=show)
        except KeyboardInterrupt:
            stop.set()
            err_console.print("[yellow]stopped.[/yellow] Everything stored so far is kept; the next run goes on "
                              "from there.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    if failed[0]:
        raise typer.Exit(EXIT_FAILED)


def main() -> None:
    """Entry point with logging set up."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
