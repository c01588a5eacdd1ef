"""Text reuse: near-duplicates, copied passages and their origin (:mod:`.detect`), and the
independent origin of any piece of evidence (:mod:`.independence`). Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.reuse.detect import detect_reuse
from newsweave.reuse.independence import Independence

__all__ = ["Independence", "detect_reuse"]
