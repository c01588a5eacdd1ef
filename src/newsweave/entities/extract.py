"""What the entities stage takes from one article alone, as stored JSON (``entity_raw`` records).

Per article: its name mentions as :func:`~newsweave.entities.mentions.link_in_article` leaves them
(spans, keys, owners, roles, the quotes of their sentences), its local entities, its demonyms, and
each mention's :func:`~newsweave.entities.nominal.mention_cues` (what its article says about its
entity's roles, places and gender). :func:`read_article` turns a record back into the objects
:func:`~newsweave.entities.resolve.resolve_local` resolves, fresh each time (the resolution changes
them in place). The pronoun and nominal references of an article, linked within it, are stored the
same way (``reference_raw``, :func:`references_raw`) until its names or their entities change.
"""

from __future__ import annotations

from typing import Any

from newsweave.entities.mentions import (
    DemonymMention,
    LocalEntity,
    Mention,
    RoleMention,
    _ArticleView,
    extract_mentions,
    link_in_article,
)
from newsweave.entities.nominal import Reference, mention_cues
from newsweave.entities.resolve import ArticleEntities
from newsweave.models import AnnotatedArticle
from newsweave.steps import fingerprint

#: Bump when what is taken from one article changes (mentions, local entities, demonyms, cues, or the
#: in-article reference links): every article is then extracted again.
EXTRACT_VERSION = "entities-extract/2"
#: the fields of :func:`~newsweave.entities.nominal.mention_cues`, in their stored order
_CUES = ("nouns", "places", "votes", "honorific", "after", "after_next")
#: the cues of a mention whose article says nothing about its entity
_NO_CUES: dict[str, Any] = {"nouns": [], "places": [], "votes": {}, "honorific": None, "after": {}, "after_next": {}}


def _mention_raw(m: Mention, cues: dict[str, Any]) -> list[Any]:
    """A mention as a list (``entity_raw`` holds many): span, text, label, kind, key, owner, sentence, roles and
    its cues (None when they say nothing)."""
    said = any(cues[k] for k in _CUES)
    return [m.start, m.end, m.text, m.label, m.kind, list(m.key), m.owner, m.sentence,
            [[r.text, r.start, r.end, r.source, r.key, sorted(r.words)] for r in m.roles],
            [cues[k] for k in _CUES] if said else None]


def extract_article(doc: AnnotatedArticle) -> dict[str, Any]:
    """The ``entity_raw`` payload of one annotated article (with a ``digest`` of its content)."""
    mentions, demos = extract_mentions(doc)
    locs = link_in_article(mentions)
    view = _ArticleView(doc)
    index = {id(m): k for k, m in enumerate(mentions)}
    quotes = {str(m.sentence): [list(q) for q in m.quotes] for m in mentions if m.quotes}
    body = {
        "mentions": [_mention_raw(m, mention_cues(view, m)) for m in mentions],
        "quotes": quotes,
        "locals": [[loc.kind, list(loc.key), loc.owner, [index[id(m)] for m in loc.mentions]] for loc in locs],
        "demonyms": [[d.start, d.end, d.text, d.place] for d in demos],
    }
    return {"article_id": doc.article.id, "version": EXTRACT_VERSION, "digest": fingerprint(body), **body}


def read_article(raw: dict[str, Any]) -> tuple[ArticleEntities, dict[int, dict[str, Any]]]:
    """New objects from an ``entity_raw`` payload: the article's entities, and the cues of its mentions
    by ``id(mention)`` (as :func:`~newsweave.entities.nominal.facts_from_cues` takes them)."""
    aid = raw["article_id"]
    quotes = {int(s): [tuple(q) for q in qs] for s, qs in raw["quotes"].items()}
    mentions: list[Mention] = []
    cues: dict[int, dict[str, Any]] = {}
    for start, end, text, label, kind, key, owner, sent, roles, said in raw["mentions"]:
        m = Mention(aid, start, end, text, label, kind, tuple(key), owner, sent,
                    [RoleMention(t, s, e, src, k, frozenset(w)) for t, s, e, src, k, w in roles], quotes.get(sent, []))
        mentions.append(m)
        cues[id(m)] = dict(zip(_CUES, said, strict=True)) if said is not None else _NO_CUES
    locs = [LocalEntity(aid, kind, tuple(key), owner, [mentions[k] for k in ks])
            for kind, key, owner, ks in raw["locals"]]
    demos = [DemonymMention(aid, s, e, t, p) for s, e, t, p in raw["demonyms"]]
    return ArticleEntities(aid, mentions, locs, demos), cues


def references_raw(aid: str, link_fp: str, refs: list[Reference], asked: tuple[set[str], set[str]]) -> dict[str, Any]:
    """The ``reference_raw`` payload: an article's references linked within it, as far as the links across its
    story may use or change them, with the fingerprint of what they were linked from and what they read of
    the entity facts (``asked``, as :func:`~newsweave.entities.nominal.link_article` returns it)."""
    rows = []
    for r in refs:
        if r.entity_id:
            rows.append([r.start, r.end, r.text, r.kind, r.head, r.entity_id, r.antecedent, r.chain, r.confidence,
                         r.reason])
        elif r.kind in ("nominal", "proper") or r.antecedent:  # may be linked in its story: confidence and
            rows.append([r.start, r.end, r.text, r.kind, r.head, None, r.antecedent, r.chain])  # reason are then set
    return {"article_id": aid, "version": EXTRACT_VERSION, "link": link_fp, "asked": [sorted(x) for x in asked],
            "refs": rows}


def read_references(raw: dict[str, Any]) -> list[Reference]:
    """New :class:`Reference` objects from a ``reference_raw`` payload."""
    aid = raw["article_id"]
    out = []
    for s, e, text, kind, head, eid, ante, chain, *link in raw["refs"]:
        conf, why = link or (0.0, "")
        out.append(Reference(aid, s, e, text, kind, head, eid, (ante[0], ante[1]) if ante else None,
                             (chain[0], chain[1]), conf, why))
    return out
