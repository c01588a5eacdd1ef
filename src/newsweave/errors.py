"""Errors with stable codes, in the manner of spaCy's ``[E010] ...`` messages.

A bad input is not an exception: readers return the reason it was skipped
(see :mod:`newsweave.ingest`), so that the run goes on and reports every input's fate.
"""

from __future__ import annotations


class NewsweaveError(Exception):
    """Base of every error newsweave raises on purpose.

    Subclasses set ``code``; the message always starts with ``[CODE]`` so that
    logs and tests can match on a stable string.
    """

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")
        self.reason = message


class StoreError(NewsweaveError):
    """The store could not be opened, migrated or written."""

    code = "E010"


class StoreValueError(StoreError):
    """A value the store cannot hold (text that is not valid Unicode, a NUL character, ...).

    Only the offending row is refused; :func:`newsweave.pipeline.ingest` stores the
    rest of its batch and reports the input as skipped with this reason.
    """


class SchemaError(NewsweaveError):
    """A dossier does not validate against its JSON Schema."""

    code = "E020"


class ModelError(NewsweaveError):
    """A required model package is missing or broken."""

    code = "E030"


class OutputError(NewsweaveError):
    """An output file (dossier JSON, Markdown or HTML page) could not be written."""

    code = "E040"


class StageError(NewsweaveError):
    """An analysis stage failed; its previous records are kept and the other stages ran."""

    code = "E050"
