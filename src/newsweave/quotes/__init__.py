"""Quotes stage: who said what, and how each outlet rendered it.

The public face of the quotes stage; the work is split over

* :mod:`newsweave.quotes.marks`: quote-mark scanning (quoted stretches, paragraph continuations);
* :mod:`newsweave.quotes.extract`: direct/partial/indirect quotes with cue,
  speaker (named, pronoun resolved to a compatible named speaker, anonymous
  description) and medium, from the stored spaCy annotation;
* :mod:`newsweave.quotes.group`: statements matched across articles (wording,
  then embeddings) into groups with every variant and its wording differences;
* :mod:`newsweave.quotes.model`: the :class:`Quote` record, options and lexicon.

Typical use::

    quotes = extract_all(items, nlp, resolver=entity_lookup)
    groups = group_quotes(quotes, {it.article.id: it.article.text for it in items})
    dossier["quotes"] = [g.to_dict() for g in groups]
    # later: the quotes of new articles join those groups (given in the order they were founded)
    founded = sorted(groups, key=lambda g: (g.variants[0].article_id, g.variants[0].start))
    groups = add_to_groups(founded, quotes, new_quotes, new_texts)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from newsweave.models import AnnotatedArticle
from newsweave.quotes.extract import extract_quotes
from newsweave.quotes.group import (
    GroupParams,
    QuoteGroup,
    QuoteGrouper,
    Variant,
    add_to_groups,
    group_quotes,
    normalize,
    split_statements,
    word_differences,
)
from newsweave.quotes.marks import MarkedQuote, find_marked_quotes
from newsweave.quotes.model import (
    Quote,
    QuoteKind,
    QuoteParams,
    SpeakerKind,
    SpeakerResolver,
    load_lexicon,
)

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "GroupParams",
    "MarkedQuote",
    "Quote",
    "QuoteGroup",
    "QuoteGrouper",
    "QuoteKind",
    "QuoteParams",
    "SpeakerKind",
    "SpeakerResolver",
    "Variant",
    "add_to_groups",
    "extract_all",
    "extract_quotes",
    "find_marked_quotes",
    "group_quotes",
    "load_lexicon",
    "normalize",
    "split_statements",
    "word_differences",
]


def extract_all(
    items: Iterable[AnnotatedArticle],
    nlp: Language | None = None,
    *,
    resolver: SpeakerResolver | None = None,
    params: QuoteParams | None = None,
) -> list[Quote]:
    """Extract the quotes of many articles (see :func:`extract_quotes`).

    Args:
        items: annotated articles (those without annotation give no quotes).
        nlp: spaCy pipeline for its vocabulary (default ``load_nlp()``).
        resolver: optional ``(article_id, start, end) -> entity id`` callable or mapping.
        params: extractor options.

    Returns:
        All quotes, article by article in input order.
    """
    params = params or QuoteParams.default()
    out: list[Quote] = []
    for item in items:
        out.extend(extract_quotes(item, nlp, resolver=resolver, params=params))
    return out
