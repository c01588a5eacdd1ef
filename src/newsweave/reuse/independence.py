"""Which article each piece of evidence independently comes from, given the copied passages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from newsweave.models import Evidence


class Independence:
    """Maps evidence to its independent origin, using the copied passages of the reuse stage.

    Args:
        reuse: dossier ``reuse[]`` items.
    """

    def __init__(self, reuse: Iterable[dict[str, Any]]) -> None:
        self.copied: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self.origin_of: dict[str, str] = {}  # copy -> the origin it mostly copied (share >= 0.5, largest first)
        for link in sorted(reuse, key=lambda r: -r.get("share", 0)):
            copy, origin = link["copy_article_id"], link["origin_article_id"]
            for p in link.get("passages", []):
                self.copied[copy].append((p["copy_start"], p["copy_end"], origin))
            if link.get("share", 0) >= 0.5:
                self.origin_of.setdefault(copy, origin)

    def origin(self, article_id: str, start: int | None = None, end: int | None = None, depth: int = 0) -> str:
        """The article whose wording this evidence independently comes from."""
        if depth > 10:
            return article_id
        if start is not None and end is not None:
            for s, e, origin in self.copied.get(article_id, []):
                if s <= start and end <= e + 2:
                    return self.origin(origin, None, None, depth + 1)
        elif article_id in self.origin_of:
            return self.origin(self.origin_of[article_id], None, None, depth + 1)
        return article_id

    def count(self, evidence: Iterable[Evidence], article_ids: Iterable[str] = ()) -> int:
        """Independent origins among the evidence (and articles cited without a span)."""
        roots = {self.origin(ev.article_id, ev.start, ev.end) for ev in evidence}
        roots |= {self.origin(a) for a in article_ids}
        return len(roots)
