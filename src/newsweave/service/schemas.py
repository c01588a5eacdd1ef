"""Pydantic models of what the API answers and takes: the schemas at the edge, apart from storage.

The store keeps records as JSON in the dossier's shapes (``schemas/dossier-1.json``); these
models name and type the fields a client can rely on, so that the OpenAPI document
(``/api/openapi.json``) describes every response. Records may carry more fields than named
here (a stage adds one before the API learns of it): ``extra="allow"`` passes them through
rather than dropping them. Offsets are character offsets into the article text.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Open(BaseModel):
    """A record shape that may hold more fields than those named."""

    model_config = ConfigDict(extra="allow")


class Span(BaseModel):
    """Evidence: a character span of an article's text."""

    model_config = ConfigDict(extra="allow")
    article_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = None


# -- errors and pages -------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, the HTTP status, a message, and structured facts when there are any."""

    code: str = Field(examples=["E103"])
    status: int
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    """Every error response."""

    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total and links to the next and previous pages."""

    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)
    next: str | None = Field(None, description="URL of the next page, or null on the last one")
    prev: str | None = Field(None, description="URL of the previous page, or null on the first one")


# -- articles ---------------------------------------------------------------------------------------


class ArticleMeta(Open):
    """An article's metadata (no text)."""

    id: str
    label: str
    input: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    published_from: str | None = None
    language: str | None = None
    author: str | None = None
    chars: int = Field(ge=0, description="length of the text in characters")


class Citation(BaseModel):
    """A cited span in one article, and what cites it."""

    kind: str = Field(description="mention, reference, demonym, quote, event, summary, claim, discrepancy, "
                                  "reuse, credit, key_date or profile")
    record_id: str | None
    article_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str
    story_id: str | None = None


class StorySummary(Open):
    """A story in a list."""

    id: str
    level: str | None = None
    label: str
    parent_id: str | None = None
    first_date: str | None = None
    last_date: str | None = None
    article_count: int = 0


class ArticleDetail(ArticleMeta):
    """One article with its text, its stories and every cited span pointing into it."""

    meta: dict[str, Any] = {}
    text: str
    stories: list[StorySummary]
    citations: list[Citation]
    annotations: dict[str, Any] | None = Field(None, description="with ?annotations=true: sentences, tokens, "
                                                                 "named entities (offsets into the text)")


class Snippet(BaseModel):
    """Text around a search match."""

    text: str
    start: int
    end: int
    match: dict[str, int] | None = None


class SearchHit(ArticleMeta):
    """An article that matches a search, with a snippet and the matched span as evidence."""

    snippet: Snippet
    evidence: Span | None = None
    story_ids: list[str] = []


# -- stories ----------------------------------------------------------------------------------------


class CoveragePoint(BaseModel):
    """Articles published in one bucket (a day, week or month starting on ``date``)."""

    date: str
    count: int = Field(ge=0)


class StoryListItem(StorySummary):
    """A story in the story list, with its outlets and coverage over time (for a sparkline)."""

    title: str
    outlets: list[str]
    coverage_unit: Literal["day", "week", "month"]
    coverage: list[CoveragePoint]


class StoryHead(StorySummary):
    """The story itself in a story page."""

    article_ids: list[str]
    link_reason: str | None = None


class StoryArticle(ArticleMeta):
    """An article of a story, with the outlet its profile is under."""

    outlet: str | None = None


class SummarySentence(Open):
    """A summary sentence with the articles it comes from."""

    text: str
    article_ids: list[str] = []
    story_id: str | None = None
    evidence: list[Span] = []


class KeyStatement(Open):
    """What an article says happened on a key date."""

    text: str
    evidence: Span
    dated_by: str | None = None


class KeyDate(Open):
    """A key date of a storyline's timeline, with cited statements and its support."""

    date: str
    background: bool | None = None
    statements: list[KeyStatement] = []
    article_ids: list[str] = []
    independent_sources: int | None = None


class TimelineEntry(Open):
    """An extracted event in a story's timeline (who did what to whom, when), with evidence."""

    id: str | None = None
    type: str | None = None
    date: str | None = None
    date_precision: str | None = None
    actor_text: str | None = None
    target_text: str | None = None
    article_ids: list[str] = []
    independent_sources: int | None = None
    evidence: list[Span] = []


class Spelling(Open):
    """One way an entity is written (or a role it is given), and the articles that use it."""

    text: str
    article_ids: list[str] = []
    flags: list[str] = []
    evidence: list[Span] = []


class Entity(Open):
    """A person, organization or place across articles, with every spelling and role."""

    id: str
    name: str | None = None
    kind: str | None = None
    variants: list[Spelling] = []
    roles: list[Spelling] = []
    article_ids: list[str] = []


class QuoteVariant(Open):
    """One article's wording of a statement."""

    article_id: str
    text: str | None = None
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote_id: str | None = None
    kind: str | None = None
    speaker_text: str | None = None
    speaker_entity_id: str | None = None


class QuoteGroup(Open):
    """A statement as each outlet worded it (grouped across outlets), with its speaker."""

    id: str
    text: str | None = None
    speaker_entity_id: str | None = None
    speaker_text: str | None = None
    speaker_name: str | None = Field(None, description="the speaker entity's canonical name")
    article_ids: list[str] = []
    variants: list[QuoteVariant] = []


class Claim(Open):
    """A claim (subject, slot, value) with the articles that make it and how many independent sources."""

    id: str
    subject_id: str | None = None
    subject: str | None = None
    slot: str | None = None
    value: Any = None
    article_ids: list[str] = []
    independent_sources: int | None = None
    evidence: list[Span] = []


class DiscrepancyValue(Open):
    """One value sources give, who gives it, and its support."""

    value: Any = None
    article_ids: list[str] = []
    independent_sources: int | None = None
    evidence: list[Span] = []


class Discrepancy(Open):
    """Where sources disagree or err: each value, and the value the independent sources support."""

    id: str
    kind: str | None = None
    description: str | None = None
    entity_id: str | None = None
    story_id: str | None = None
    supported_value: Any = None
    confidence: float | None = None
    values: list[DiscrepancyValue] = []


class Profile(Open):
    """An outlet's profile: originality, credited wires, loaded terms and translation signs (with spans)."""

    outlet: str
    article_ids: list[str] = []
    originality: float | None = None
    credited_wires: list[str] = []
    loaded_vocabulary: list[Span] = []
    machine_translation: dict[str, Any] = {}


class Passage(Open):
    """A copied passage: its span in the copy and in the origin."""

    copy_start: int
    copy_end: int
    origin_start: int
    origin_end: int


class Reuse(Open):
    """Who copied whom: the copy, its origin, the share copied and every passage with spans on both sides."""

    copy_article_id: str
    origin_article_id: str
    share: float
    passages: list[Passage] = []
    origin_uncertain: bool | None = None
    origin_reason: str | None = None


class Event(TimelineEntry):
    """An extracted event (one per statement across articles)."""

    phrase: str | None = Field(None, description="a readable line: actor, what, target")


class StoryDetail(BaseModel):
    """Everything about one story, each item with its evidence."""

    story: StoryHead
    events: list[StorySummary]
    articles: list[StoryArticle]
    summary: list[SummarySentence]
    key_timeline: list[KeyDate]
    timeline: list[TimelineEntry]
    entities: list[Entity]
    quotes: list[QuoteGroup]
    claims: list[Claim] = Field(description="the best supported first (see /api/claims?story=)")
    claims_total: int
    discrepancies: list[Discrepancy]
    profiles: list[Profile]
    reuse: list[Reuse]
    totals: dict[str, int] = Field(description="how many items each long section has in all; unless asked for "
                                               "everything (?all=true) a section holds its first ones, the list "
                                               "endpoints (/api/quotes?story=, /api/entities?story=, ...) the rest")
    complete: bool = Field(description="every section holds every item")


class Timeline(BaseModel):
    """A story's key timeline and every extracted event entry."""

    story_id: str
    key_timeline: list[KeyDate]
    timeline: list[TimelineEntry]


class EntityTotals(BaseModel):
    """How many of each list an entity page has (its lists hold at most 100 unless ``?all=true``)."""

    articles: int
    quotes: int
    claims: int
    events: int
    stories: int
    discrepancies: int = 0


class EntityDetail(Entity):
    """One entity with its stories, mentions per article, articles, quotes, claims, discrepancies and events."""

    stories: list[StorySummary]
    mention_counts: dict[str, int]
    articles: list[ArticleMeta]
    quotes: list[QuoteGroup]
    claims: list[Claim]
    discrepancies: list[Discrepancy]
    events: list[TimelineEntry]
    totals: EntityTotals


# -- ingest and jobs --------------------------------------------------------------------------------


class ArticleIn(BaseModel):
    """One article to ingest, in the articles.jsonl shape: ``text`` or ``html``, the rest optional."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"id": "wire-1", "url": "https://example.org/a", "source": "Example Wire", "title": "A title",
         "published": "2019-01-26", "language": "en", "text": "The article text ..."}]})
    id: str | int | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    published: str | None = None
    language: str | None = None
    author: str | None = None
    text: str | None = None
    html: str | None = None
    meta: dict[str, Any] | None = None


class IngestRequest(BaseModel):
    """Articles to store (``articles``) or pages to fetch (``urls``); one of the two."""

    articles: list[ArticleIn | Any] | None = Field(
        None, description="records in the articles.jsonl shape (ArticleIn); a record that cannot be read (not an "
                          "object, no text, a field of the wrong type) is skipped with its reason, the others stored")
    urls: list[str] | None = Field(None, description="page URLs to fetch (robots.txt, politeness delay, limits)")
    analyze: bool = Field(True, description="run the incremental analysis after storing")


class InputFateOut(BaseModel):
    """What happened to one input of a job."""

    input: str
    status: str = Field(description="stored, duplicate or skipped (articles); a fetch status for URLs")
    reason: str = ""
    article_id: str | None = None


class Job(BaseModel):
    """An ingest job: its state, every input's fate, and what each analysis stage did."""

    id: str
    kind: Literal["articles", "urls"]
    status: Literal["queued", "running", "done", "failed"]
    created: str
    started: str | None = None
    finished: str | None = None
    inputs: int
    fates: list[InputFateOut] = []
    counts: dict[str, int] = {}
    stages: dict[str, str] = {}
    failures: dict[str, str] = Field({}, description="analysis stages that failed (their previous records kept)")
    error: str | None = None


class Health(BaseModel):
    """The service is up and its store answers."""

    status: Literal["ok"]
    version: str
    store: str = Field(description="the store's backend: sqlite or postgresql")
    articles: int
    store_version: str = Field(description="changes whenever what the API shows changes (the ETag basis)")


class WatchFateOut(BaseModel):
    """How one fetch of a watch run ended."""

    role: str = Field(description="feed, sitemap, page or robots")
    url: str
    status: str = Field(description="a fetch status (fetched, not_modified, timeout, http_error, ...) or, for a "
                                    "page, stored / duplicate / postponed")
    reason: str = ""
    article_id: str | None = None
    http_status: int | None = None
    feed: str | None = Field(None, description="the feed that listed the page")
    retry: bool = Field(False, description="the next run tries again")


class WatchRun(BaseModel):
    """One finished watch run."""

    started: str
    finished: str
    counts: dict[str, int]
    fates: list[WatchFateOut]
    stages: dict[str, str]
    failures: dict[str, str] = {}


class WatchStatus(BaseModel):
    """The feeds the service watches (``newsweave serve --watch``) and its latest runs, newest first."""

    feeds: list[str]
    every_s: float | None
    running: bool
    runs: list[WatchRun]
