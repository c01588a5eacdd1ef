"""The feeds the service watches on a schedule, and what their latest runs did."""

from __future__ import annotations

from fastapi import Request

from newsweave.service.api.common import read_router
from newsweave.service.schemas import WatchStatus

router = read_router("service")


@router.get("/watch", response_model=WatchStatus, summary="Feeds watched on a schedule and their latest runs")
def watch_status(request: Request) -> WatchStatus:
    """The feeds ``newsweave serve --watch`` keeps current, the interval, and the latest runs (newest first), each
    with every fetch's fate and what each analysis stage did. Without ``--watch``: no feeds, no runs. Not cached
    (no ETag): a run that fetched nothing new changes this answer but not the store."""
    watch = request.app.state.watch
    if watch is None:
        return WatchStatus(feeds=[], every_s=None, running=False, runs=[])
    return WatchStatus.model_validate(watch.status())
