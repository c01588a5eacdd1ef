"""What happened when: time expressions (:mod:`.timex`, :mod:`.timex_values`), PLOVER events
(:mod:`.extract`) and story timelines (:mod:`.timeline`). Stage: :mod:`.stage`.
"""

from __future__ import annotations

from newsweave.events.extract import Event, extract_events
from newsweave.events.timeline import build_timeline

__all__ = ["Event", "build_timeline", "extract_events"]
