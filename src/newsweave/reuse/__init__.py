"""Text reuse: near-duplicates, copied passages and their origin (:mod:`.detect`, from scratch; kept
current as articles arrive by :mod:`.index` from the per-article :mod:`.fingerprint`), and the
independent origin of any piece of evidence (:mod:`.independence`). Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.reuse.detect import detect_reuse
from newsweave.reuse.independence import Independence
from newsweave.reuse.index import update_reuse

__all__ = ["Independence", "detect_reuse", "update_reuse"]
