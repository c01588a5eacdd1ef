"""Ingest: POST articles (the articles.jsonl shape) or page URLs; a background job stores and analyses them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from newsweave.service.deps import SettingsDep, require_write
from newsweave.service.errors import InvalidRequest, NotFound, TooLarge
from newsweave.service.jobs import Jobs
from newsweave.service.schemas import ArticleIn, ErrorBody, IngestRequest, Job

router = APIRouter(tags=["ingest"], dependencies=[Depends(require_write)], responses={
    401: {"model": ErrorBody, "description": "no bearer token, or not the service's (E104)"},
    403: {"model": ErrorBody, "description": "the service has no token configured: ingest is off (E105)"},
    422: {"model": ErrorBody, "description": "an invalid body (E101)"}})


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


@router.post("/ingest", response_model=Job, status_code=202, responses={
    413: {"model": ErrorBody, "description": "more items than Settings.api_max_ingest_items (E106)"}},
    summary="Store articles or fetch pages, then analyse (a background job)")
def ingest(request: Request, body: IngestRequest, settings: SettingsDep, response: Response) -> dict[str, Any]:
    """Queue a job; ``Location`` names it. Poll ``GET /api/ingest/jobs/{id}`` for every input's fate.

    Give ``articles`` (records with ``text`` or ``html`` and optional ``id, url, source, title, published,
    language, author, meta``) or ``urls`` (pages to fetch politely), not both.
    """
    if (body.articles is None) == (body.urls is None):
        raise InvalidRequest("give either 'articles' or 'urls'")
    items: list[Any] = list(body.urls or []) if body.articles is None else [
        a.model_dump(exclude_unset=True) if isinstance(a, ArticleIn) else a for a in body.articles]
    if not items:
        raise InvalidRequest("nothing to ingest: the list is empty")
    if len(items) > settings.api_max_ingest_items:
        raise TooLarge(f"{len(items)} items in one request; at most {settings.api_max_ingest_items}")
    job = _jobs(request).submit("articles" if body.articles is not None else "urls", items, body.analyze)
    response.headers["Location"] = str(request.url_for("ingest_job", job_id=job.id))
    return job.to_dict()


@router.get("/ingest/jobs", response_model=list[Job], summary="Ingest jobs, the newest first")
def ingest_jobs(request: Request) -> list[dict[str, Any]]:
    """The jobs this service remembers (the latest Settings.api_jobs_kept), each with every input's fate."""
    return [j.to_dict() for j in _jobs(request).all()]


@router.get("/ingest/jobs/{job_id}", response_model=Job, name="ingest_job", summary="One ingest job",
            responses={404: {"model": ErrorBody, "description": "no such job (E103)"}})
def ingest_job(request: Request, job_id: Annotated[str, Path(min_length=1, max_length=64)]) -> dict[str, Any]:
    """Its state (queued, running, done, failed), every input's fate, and what each analysis stage did."""
    job = _jobs(request).get(job_id)
    if job is None:
        raise NotFound(f"no ingest job {job_id!r} (the latest Settings.api_jobs_kept are kept)")
    return job.to_dict()
