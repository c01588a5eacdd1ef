"""Who is who: mentions (:mod:`.mentions`), person names (:mod:`.names`), cross-document
resolution (:mod:`.resolve`) and span-to-entity lookup for later stages (:mod:`.link`).
Per-article extraction as stored: :mod:`.extract`. Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.entities.resolve import EntityResolution, resolve_entities

__all__ = ["EntityResolution", "resolve_entities"]
