"""Quote records, extractor options and the packaged cue lexicon."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from newsweave.models import Span, content_id

QuoteKind = Literal["direct", "indirect", "partial"]
SpeakerKind = Literal["named", "anonymous", "pronoun", "unknown"]
#: Maps a speaker's name span ``(article_id, start, end)`` to an entity id (callable or mapping).
SpeakerResolver = Callable[[str, int, int], "str | None"] | Mapping[tuple[str, int, int], str]


@dataclass(slots=True)
class QuoteParams:
    """Options of the extractor (defaults are the hand-set values; bench/ fits some on train)."""

    cue_lemmas: frozenset[str] = frozenset()
    min_unattributed_words: int = 4
    min_indirect_tokens: int = 3
    include_indirect: bool = True
    frameless_carry: bool = True

    @classmethod
    def default(cls) -> QuoteParams:
        """Speech + written verbs of the packaged lexicon, overridden by packaged fitted params if any."""
        lex = load_lexicon()
        params = cls(cue_lemmas=frozenset(lex["speech"]) | frozenset(lex["written"]))
        fitted = _load_packaged("quotes_params.json")
        if fitted and "extract" in fitted:
            params = cls.from_dict(fitted["extract"])
        return params

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "cue_lemmas": sorted(self.cue_lemmas),
            "min_unattributed_words": self.min_unattributed_words,
            "min_indirect_tokens": self.min_indirect_tokens,
            "include_indirect": self.include_indirect,
            "frameless_carry": self.frameless_carry,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuoteParams:
        """Inverse of :meth:`to_dict`."""
        return cls(
            cue_lemmas=frozenset(data["cue_lemmas"]),
            min_unattributed_words=int(data.get("min_unattributed_words", 4)),
            min_indirect_tokens=int(data.get("min_indirect_tokens", 3)),
            include_indirect=bool(data.get("include_indirect", True)),
            frameless_carry=bool(data.get("frameless_carry", True)),
        )


@lru_cache(maxsize=8)
def _load_packaged(name: str) -> dict[str, Any] | None:
    """A JSON file of the package data (read once), or ``None`` if absent."""
    try:
        raw = resources.files("newsweave.data").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, list[str]]:
    """The packaged cue/anonymous-source/medium lexicon (``data/quotes_cues.json``)."""
    data = _load_packaged("quotes_cues.json")
    if data is None:  # pragma: no cover - install problem
        raise FileNotFoundError("newsweave/data/quotes_cues.json is missing")
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass(slots=True)
class Quote:
    """One attributed statement in one article; every span is into ``Article.text``.

    ``content`` covers the quoted words (without the outer quote marks; the
    covering span for split quotes, whose pieces are ``parts``); ``outer`` is the
    span including the quote marks (equal to ``content`` for indirect speech).
    ``clause`` is, for a partial quote, the reported clause around the
    quoted words (``that voting fraud is "a big problem"``).
    ``speaker`` is the mention in the text (a pronoun stays a pronoun there);
    ``speaker_ref`` is the named mention it was resolved to, ``speaker_text``
    the name (or description) used for display and ``speaker_entity_id`` the
    entity id from the resolver, when one was given.
    """

    article_id: str
    kind: QuoteKind
    content: Span
    parts: list[Span]
    outer: Span
    text: str
    cue: Span | None = None
    cue_text: str | None = None
    speaker: Span | None = None
    speaker_kind: SpeakerKind = "unknown"
    speaker_text: str | None = None
    speaker_ref: Span | None = None
    speaker_entity_id: str | None = None
    medium: str | None = None
    medium_span: Span | None = None
    clause: Span | None = None
    confidence: float = 0.5
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(f"{self.article_id}:{self.content.start}:{self.content.end}", "quote_")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (spans as ``{"start", "end"}``)."""

        def sp(s: Span | None) -> dict[str, int] | None:
            return None if s is None else {"start": s.start, "end": s.end}

        return {
            "id": self.id,
            "article_id": self.article_id,
            "kind": self.kind,
            "text": self.text,
            "start": self.content.start,
            "end": self.content.end,
            "parts": [sp(p) for p in self.parts],
            "outer": sp(self.outer),
            "cue": sp(self.cue),
            "cue_text": self.cue_text,
            "speaker": sp(self.speaker),
            "speaker_kind": self.speaker_kind,
            "speaker_text": self.speaker_text,
            "speaker_ref": sp(self.speaker_ref),
            "speaker_entity_id": self.speaker_entity_id,
            "medium": self.medium,
            "medium_span": sp(self.medium_span),
            "clause": sp(self.clause),
            "confidence": round(self.confidence, 3),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Quote:
        """Inverse of :meth:`to_dict`."""

        def sp(x: Mapping[str, int] | None) -> Span | None:
            return None if x is None else Span(int(x["start"]), int(x["end"]))

        outer = sp(d["outer"])
        return cls(
            article_id=d["article_id"],
            kind=d["kind"],
            content=Span(d["start"], d["end"]),
            parts=[Span(p["start"], p["end"]) for p in d["parts"]],
            outer=outer if outer is not None else Span(d["start"], d["end"]),
            text=d["text"],
            cue=sp(d.get("cue")),
            cue_text=d.get("cue_text"),
            speaker=sp(d.get("speaker")),
            speaker_kind=d.get("speaker_kind", "unknown"),
            speaker_text=d.get("speaker_text"),
            speaker_ref=sp(d.get("speaker_ref")),
            speaker_entity_id=d.get("speaker_entity_id"),
            medium=d.get("medium"),
            medium_span=sp(d.get("medium_span")),
            clause=sp(d.get("clause")),
            confidence=float(d.get("confidence", 0.5)),
            id=d.get("id", ""),
        )
