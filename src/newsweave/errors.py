"""Errors with stable codes, in the manner of spaCy's ``[E001] ...`` messages."""

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


class InputError(NewsweaveError):
    """An input could not be read or parsed; names the input and the reason."""

    code = "E001"


class EmptyInputError(InputError):
    """The input holds no article text."""

    code = "E002"


class BinaryInputError(InputError):
    """The input is binary, not text, HTML, JSON, a feed or WARC."""

    code = "E003"


class TooLargeError(InputError):
    """The input exceeds the configured size limit."""

    code = "E004"


class StoreError(NewsweaveError):
    """The store could not be opened, migrated or written."""

    code = "E010"


class SchemaError(NewsweaveError):
    """A dossier does not validate against its JSON Schema."""

    code = "E020"


class ModelError(NewsweaveError):
    """A required model package is missing or broken."""

    code = "E030"
