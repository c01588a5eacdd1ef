"""Registers the analysis stages that run after annotation, in order.

Each stage reads typed records from the store and writes its own; see
:class:`newsweave.pipeline.Stage`.
"""

from __future__ import annotations

from newsweave.pipeline import STAGES, Stage

_REGISTERED: list[Stage] = []

STAGES[:] = _REGISTERED
