"""The dossier as JSON, schema ``newsweave.dossier/1`` (``schemas/dossier-1.json``).

:func:`build_dossier` assembles what the store holds; :func:`validate` checks a
dossier against the schema and raises :class:`~newsweave.errors.SchemaError`
naming the first offending path.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsweave import __version__
from newsweave.errors import SchemaError
from newsweave.models import Article, InputFate
from newsweave.report.output import atomic_write_text, json_safe
from newsweave.store import Store

SCHEMA_ID = "newsweave.dossier/1"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "dossier-1.json"

#: Dossier sections filled from stored records of one kind each.
RECORD_SECTIONS = {
    "stories": "story",
    "entities": "entity",
    "quotes": "quote",
    "events": "event",
    "reuse": "reuse",
    "discrepancies": "discrepancy",
    "summary": "summary",
    "claims": "claim",
    "profiles": "profile",
    "timelines": "timeline",
    "key_timelines": "key_timeline",
    "story_assignments": "story_assignment",
    "reuse_articles": "article_reuse",
}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The dossier JSON Schema."""
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def provenance_notes(a: Article) -> dict[str, list[str]]:
    """What ingest refused or ignored in the input (refused dates, wrong-type fields), each with its reason."""
    notes: dict[str, list[str]] = {}
    for key in PROVENANCE_NOTES:
        value = a.meta.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            notes[key] = value
    return notes


#: the article meta keys where ingest keeps what it refused or ignored
PROVENANCE_NOTES = ("published_rejected", "ignored")


def article_entry(a: Article) -> dict[str, Any]:
    """The dossier form of one article."""
    return {
        "id": a.id, "input": a.input, "source": a.source, "url": a.url, "title": a.title,
        "published": a.published, "published_from": a.published_from, "language": a.language,
        "author": a.author, "chars": len(a.text), **provenance_notes(a),
    }


def build_dossier(store: Store, fates: list[InputFate] | None = None) -> dict[str, Any]:
    """Everything the store holds, as one dossier.

    Args:
        store: an open store.
        fates: the inputs of the run that made it (empty when built from the store alone).

    Returns:
        A dict that validates against the schema.
    """
    dossier: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "generated_by": f"newsweave {__version__}",
        "inputs": [
            {"input": f.input, "status": f.status, "reason": f.reason, "article_id": f.article_id}
            for f in fates or []
        ],
        "articles": [article_entry(a) for a in store.articles()],
    }
    for section, kind in RECORD_SECTIONS.items():
        dossier[section] = store.records(kind)
    return dossier


def validate(dossier: dict[str, Any]) -> None:
    """Check ``dossier`` against the schema.

    Raises:
        SchemaError: naming the path of the first error and the reason.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(dossier), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        path = "/".join(str(p) for p in err.absolute_path) or "(top)"
        raise SchemaError(f"dossier invalid at {path}: {err.message} ({len(errors)} error(s))")


def dumps(dossier: dict[str, Any]) -> str:
    """The dossier as JSON text that always encodes as UTF-8 (lone surrogates escaped)."""
    return json_safe(json.dumps(dossier, ensure_ascii=False, indent=2))


def write_json(dossier: dict[str, Any], path: Path, validated: bool = False) -> Path:
    """Validate (unless ``validated``), then write atomically (a temp file renamed over the target).

    Raises:
        SchemaError: the dossier does not validate; nothing is written.
        OutputError: the file cannot be written; the target is unchanged.
    """
    if not validated:
        validate(dossier)
    return atomic_write_text(path, dumps(dossier))
