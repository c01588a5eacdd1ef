"""Markdown and self-contained HTML renderings of a dossier.

Article text is untrusted input: every value goes through ``html.escape`` (HTML)
or Markdown escaping before it is written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsweave.store import Store

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md(text: Any) -> str:
    """Escape a value for Markdown (and for HTML embedded in Markdown)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text if text is not None else "")).replace("\n", " ")


def esc(text: Any) -> str:
    """Escape a value for HTML."""
    return html.escape(str(text if text is not None else ""), quote=True)


def _label(dossier: dict[str, Any]) -> dict[str, str]:
    """Short readable labels for article ids: the input file stem, else the title."""
    out = {}
    for a in dossier["articles"]:
        stem = Path(a["input"].split("#")[0]).stem if a.get("input") else a["id"]
        out[a["id"]] = stem if stem else a["id"]
    return out


def to_markdown(dossier: dict[str, Any]) -> str:
    """The dossier as a Markdown document."""
    labels = _label(dossier)
    lines = ["# newsweave dossier", "", f"{len(dossier['articles'])} articles.", "", "## Sources", "",
             "| article | outlet | published | title | language |", "|---|---|---|---|---|"]
    for a in dossier["articles"]:
        lines.append(f"| {md(labels[a['id']])} | {md(a['source'] or 'unknown')} | "
                     f"{md(a['published'] or 'unknown')} | {md(a['title'] or '')} | {md(a['language'] or '?')} |")
    return "\n".join(lines) + "\n"


def to_html(dossier: dict[str, Any]) -> str:
    """The dossier as one self-contained HTML page."""
    labels = _label(dossier)
    rows = "".join(
        f"<tr id='art-{esc(a['id'])}'><td>{esc(labels[a['id']])}</td><td>{esc(a['source'] or 'unknown')}</td>"
        f"<td>{esc(a['published'] or 'unknown')}</td><td>{esc(a['title'] or '')}</td>"
        f"<td>{esc(a['language'] or '?')}</td></tr>"
        for a in dossier["articles"]
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>newsweave dossier</title></head><body>"
        "<h1>newsweave dossier</h1><section id='sources'><h2>Sources</h2><table>"
        "<thead><tr><th>article</th><th>outlet</th><th>published</th><th>title</th><th>language</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section></body></html>\n"
    )


def write_reports(dossier: dict[str, Any], store: Store, out: Path) -> Iterator[Path]:
    """Write ``dossier.json``, ``dossier.md`` and ``dossier.html`` into ``out``; yields each path."""
    from newsweave.report.dossier import write_json

    out.mkdir(parents=True, exist_ok=True)
    path = out / "dossier.json"
    write_json(dossier, path)
    yield path
    for name, text in (("dossier.md", to_markdown(dossier)), ("dossier.html", to_html(dossier))):
        path = out / name
        tmp = path.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        yield path
