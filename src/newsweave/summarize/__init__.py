"""Cited extractive summaries of stories (:mod:`.extractive`). Stage: :mod:`.stage`."""

from __future__ import annotations

from newsweave.summarize.extractive import summarize_story

__all__ = ["summarize_story"]
