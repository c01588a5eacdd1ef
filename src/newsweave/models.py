"""The data model shared by every stage.

Annotations are character offsets into the one ``Article.text`` (as in spaCy),
never copies of the text that could drift from it. Records are plain
``slots=True`` dataclasses; ``to_dict``/``from_dict`` give their JSON form for
storage and for the dossier.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

T = TypeVar("T")

PublishedFrom = Literal["metadata", "dateline", "url"]


def input_label(input: str, fallback: str) -> str:
    """A short readable name for an article: its input file's stem (plus the record), else ``fallback``."""
    from pathlib import PurePath

    base = PurePath(input.split("#")[0]).stem if input else ""
    rec = input.split("#", 1)[1][:40] if "#" in input else ""
    if base and rec:
        return f"{base}#{rec}"
    return base or fallback


def content_id(text: str, prefix: str = "") -> str:
    """Stable id from content: the first 16 hex digits of a SHA-256."""
    return prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True, frozen=True)
class Span:
    """A character span ``[start, end)`` into one article's text."""

    start: int
    end: int

    def text_of(self, text: str) -> str:
        """The covered text."""
        return text[self.start : self.end]

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class Evidence:
    """A cited span: an article id, character offsets into its text, and (optionally) the covered text."""

    article_id: str
    start: int
    end: int
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (``text`` only when known)."""
        out: dict[str, Any] = {"article_id": self.article_id, "start": self.start, "end": self.end}
        if self.text:
            out["text"] = self.text
        return out


@dataclass(slots=True)
class Article:
    """One news article, cleaned, with its metadata.

    ``published`` is an ISO date (``YYYY-MM-DD``) or ``None`` when unknown;
    ``published_from`` says where it came from. ``input`` names the file path
    or record id it was read from.
    """

    id: str
    text: str
    input: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    published_from: PublishedFrom | None = None
    language: str | None = None
    author: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form."""
        return dataclasses.asdict(self)


@dataclass(slots=True)
class Token:
    """One token: offsets into the article text plus spaCy's analysis.

    ``head`` is the index of the syntactic head in the article's token list
    (a root points to itself).
    """

    start: int
    end: int
    lemma: str
    pos: str
    tag: str
    dep: str
    head: int
    ent_iob: str = "O"
    ent_type: str = ""
    space: bool = True


@dataclass(slots=True)
class EntitySpan:
    """A named-entity mention found by the NER model."""

    start: int
    end: int
    label: str


@dataclass(slots=True)
class Annotation:
    """Linguistic annotation of one article, all as offsets into its text."""

    article_id: str
    model: str
    sentences: list[Span]
    tokens: list[Token]
    entities: list[EntitySpan]

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON form (lists, not objects, to keep the store small)."""
        return {
            "article_id": self.article_id,
            "model": self.model,
            "sentences": [[s.start, s.end] for s in self.sentences],
            "tokens": [
                [t.start, t.end, t.lemma, t.pos, t.tag, t.dep, t.head, t.ent_iob, t.ent_type, t.space]
                for t in self.tokens
            ],
            "entities": [[e.start, e.end, e.label] for e in self.entities],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Annotation:
        """Inverse of :meth:`to_dict`."""
        return cls(
            article_id=data["article_id"],
            model=data["model"],
            sentences=[Span(s, e) for s, e in data["sentences"]],
            tokens=[Token(*row) for row in data["tokens"]],
            entities=[EntitySpan(s, e, label) for s, e, label in data["entities"]],
        )


@dataclass(slots=True)
class AnnotatedArticle:
    """An article with its annotation (``None`` for non-English articles)."""

    article: Article
    annotation: Annotation | None


InputStatus = Literal["stored", "duplicate", "skipped"]


@dataclass(slots=True)
class InputFate:
    """What happened to one input (a file, or one record inside a file)."""

    input: str
    status: InputStatus
    reason: str = ""
    article_id: str | None = None


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build a flat dataclass from its ``asdict`` form, ignoring unknown keys."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def article_label(article: Article) -> str:
    """A short readable name: the input file's stem (plus record), else the title, else the id."""
    return input_label(article.input, (article.title or article.id)[:60])
