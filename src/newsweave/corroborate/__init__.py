"""Cross-source checking: claims, their independent support and discrepancies (:mod:`.claims`),
statements outside quotes stated with one slot different (:mod:`.statements`),
and source profiles (:mod:`.profiles`). Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.corroborate.claims import Claim, Discrepancy, claims, find_discrepancies
from newsweave.corroborate.profiles import build_profiles

__all__ = ["Claim", "Discrepancy", "build_profiles", "claims", "find_discrepancies"]
