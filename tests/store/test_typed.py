"""Typed tables on SQLite and PostgreSQL: filled from the JSON in the same transaction, backfilled on
upgrade, answered through their indexes."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, event, insert, select, text

from newsweave.models import Article
from newsweave.store import Store
from newsweave.store.repository import head_revision
from newsweave.store.schema import articles, metadata, quotes, record_articles, records
from newsweave.store.typed import KINDS, TABLES, day_span, typed_rows
from tests.conftest import BACKENDS, DemoRuns

HEAD = head_revision()


def _art(k: int, published: str | None = "2019-01-27") -> Article:
    body = f"Report {k}: officials in city {k} said on Monday that the roads were closed after the storm."
    return Article(id=f"a{hashlib.sha256(body.encode()).hexdigest()[:16]}", text=body, input=f"in/{k}.txt",
                   language="en", published=published)


A = [_art(k) for k in range(5)]
ID = [a.id for a in A]
SILVA, MADURO, US = "ent_silva", "ent_maduro", "ent_us"


def _ev(k: int) -> dict[str, Any]:
    return {"start": 10 * k, "end": 10 * k + 5}


def corpus() -> list[tuple[str, str, list[tuple[str, dict[str, Any], list[str]]]]]:
    """``(kind, scope, items)`` shaped as the stages write them: two event stories in one storyline."""
    stories = [
        {"id": "s1", "label": "Defection", "level": "storyline", "article_ids": ID[:4], "parent_id": None,
         "child_ids": ["e1", "e2"], "first_date": "2019-01-26", "last_date": "2019-02-20"},
        {"id": "e1", "label": "Colonel defects", "level": "event", "article_ids": ID[:3], "parent_id": "s1",
         "child_ids": [], "first_date": "2019-01-26", "last_date": "2019-01-27"},
        {"id": "e2", "label": "Follow-up", "level": "event", "article_ids": [ID[3]], "parent_id": "s1",
         "child_ids": [], "first_date": "2019-02-20", "last_date": "2019-02-20"},
        {"id": "e3", "label": "Other", "level": "event", "article_ids": [ID[4]], "parent_id": None,
         "child_ids": [], "first_date": None, "last_date": None},
    ]
    entities = [
        {"id": SILVA, "name": "José Luis Silva", "kind": "person", "roles": [],
         "variants": [{"text": "Silva", "article_ids": ID[:2], "flags": [], "evidence": []},
                      {"text": "Salva", "article_ids": [ID[2]], "flags": ["likely_misspelling"], "evidence": []}],
         "article_ids": ID[:3]},
        {"id": MADURO, "name": "Nicolas Maduro", "kind": "person", "roles": [], "variants": [],
         "article_ids": ID},
        {"id": US, "name": "United States", "kind": "place", "roles": [], "variants": [], "article_ids": [ID[3]]},
    ]
    mention = [(f"{a}:{s}:{s + 5}", {"article_id": a, "start": s, "end": s + 5, "text": "Silva", "kind": "person",
                                     "entity_id": e, "roles": []})
               for a, s, e in [(ID[0], 3, SILVA), (ID[1], 7, SILVA), (ID[3], 2, US), (ID[4], 9, MADURO)]]
    reference = [(f"{ID[2]}:40:42", {"article_id": ID[2], "start": 40, "end": 42, "text": "he", "kind": "pronoun",
                                     "head": "he", "entity_id": SILVA, "confidence": 0.8, "reason": "r"})]
    demonym = [(f"{ID[0]}:50:64", {"article_id": ID[0], "start": 50, "end": 64, "text": "South American",
                                   "place": "South America", "entity_id": None})]

    def variant(a: str, who: str | None, name: str, k: int) -> dict[str, Any]:
        return {"article_id": a, "text": "words", "quote_id": f"quote_{a[:6]}_{k}", "kind": "direct",
                "speaker_text": name, "speaker_entity_id": who, "speaker_kind": "named", **_ev(k)}

    quote = [
        ("qg_1", {"id": "qg_1", "text": "words", "speaker_entity_id": SILVA, "speaker_text": "José Luis Silva",
                  "speaker_kind": "named", "article_ids": ID[:3],
                  "variants": [variant(ID[0], SILVA, "Silva", 1), variant(ID[2], None, "Salva", 2)]}),
        ("qg_2", {"id": "qg_2", "text": "more", "speaker_entity_id": MADURO, "speaker_text": "Maduro",
                  "speaker_kind": "named", "article_ids": [ID[3]], "variants": [variant(ID[3], MADURO, "Maduro", 3)]}),
        ("qg_3", {"id": "qg_3", "text": "late", "speaker_entity_id": SILVA, "speaker_text": "Silva",
                  "speaker_kind": "named", "article_ids": [ID[4]], "variants": [variant(ID[4], SILVA, "Silva", 4)]}),
    ]

    def event(i: str, a: str, date: str | None, precision: str, actor: str | None, target: str | None = None
              ) -> tuple[str, dict[str, Any], list[str]]:
        return (i, {"id": i, "type": "REJECT", "mode": None, "actor_entity_id": actor, "target_entity_id": target,
                    "date": date, "date_precision": precision, "article_ids": [a],
                    "evidence": [{"article_id": a, **_ev(1)}]}, [a])

    events = [event("ev_a", ID[0], "2019-01-26", "day", SILVA, MADURO),
              event("ev_b", ID[1], "2019-01-27", "unknown", MADURO),  # only "by" its publication date
              event("ev_c", ID[2], "2019-01", "month", None, SILVA),
              event("ev_d", ID[3], "2019-W08", "week", US),
              event("ev_e", ID[0], None, "unknown", SILVA),
              event("ev_f", ID[4], "2019-01-25", "day", MADURO)]
    timeline = [("e1", {"story_id": "e1", "entries": [
        {"id": "tl_1", "type": "REJECT", "date": "2019-01-26", "date_precision": "day", "article_ids": [ID[0]]},
        {"id": "tl_2", "type": "REJECT", "date": "XXXX-WXX-6", "date_precision": "unknown", "article_ids": [ID[1]]},
    ]}, ID[:2])]

    def key(story: str, dates: list[str], cited: list[str]) -> tuple[str, dict[str, Any], list[str]]:
        return (story, {"story_id": story, "entries": [
            {"date": d, "background": d < "2018", "statements": [], "article_ids": cited,
             "independent_sources": 1} for d in dates]}, cited)

    claims = [(f"c{k}", {"id": f"c{k}", "subject_id": s, "subject": "x", "slot": slot, "value": "v",
                         "article_ids": [a], "independent_sources": 1}, [a])
              for k, (s, slot, a) in enumerate([(SILVA, "role", ID[0]), (SILVA, "name", ID[1]),
                                                (MADURO, "role", ID[4])])]
    discrepancies = [
        ("d1", {"id": "d1", "kind": "spelling", "description": "x", "entity_id": SILVA, "story_id": "e1",
                "values": [{"value": "Silva", "article_ids": ID[:2]}, {"value": "Salva", "article_ids": [ID[2]]}]},
         ID[:3]),
        ("d2", {"id": "d2", "kind": "date", "description": "y", "entity_id": MADURO, "story_id": None,
                "values": [{"value": "a", "article_ids": [ID[4]]}]}, [ID[4]]),
    ]
    return [
        ("story", "", [(s["id"], s, s["article_ids"]) for s in stories]),
        ("entity", "", [(e["id"], e, e["article_ids"]) for e in entities]),
        ("mention", "", [(i, m, [m["article_id"]]) for i, m in mention]),
        ("reference", "", [(i, m, [m["article_id"]]) for i, m in reference]),
        ("demonym", "", [(i, m, [m["article_id"]]) for i, m in demonym]),
        ("quote", "", [(i, q, q["article_ids"]) for i, q in quote]),
        ("event", "", events),
        ("timeline", "", timeline),
        ("key_timeline", "s1", [key("s1", ["2013", "2019-01-26", "2019-02-20"], ID[:4])]),
        ("key_timeline", "e3", [key("e3", ["2019-01-25"], [ID[4]])]),
        ("claim", "", claims),
        ("discrepancy", "", discrepancies),
        ("profile", "", [("outlet", {"outlet": "outlet", "article_ids": ID[:1]}, ID[:1])]),  # JSON only
        ("reuse", f"{ID[1]}<", [(f"{ID[1]}<{ID[0]}", {"copy_article_id": ID[1], "origin_article_id": ID[0],
                                                       "share": 0.75, "passages": []}, ID[:2])]),
    ]


def _fill(store: Store) -> None:
    store.add_articles(A)
    for kind, scope, items in corpus():
        store.replace_records(kind, items, scope=scope)


def typed_dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every typed table's rows, sorted."""
    with store.engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr) for t in TABLES}


def derived(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """What the typed tables must hold for the records stored now."""
    out: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}
    with store.engine.connect() as conn:
        stored = conn.execute(select(records.c.kind, records.c.id, records.c.payload)).all()
    for kind in KINDS:
        for table, rows in typed_rows(kind, [(i, p) for k, i, p in stored if k == kind]):
            out[table.name] += [tuple(r[c.name] for c in table.columns) for r in rows]
    return {name: sorted(rows, key=repr) for name, rows in out.items()}


def ids(found: list[dict[str, Any]], key: str = "id") -> list[Any]:
    return [r[key] for r in found]


# -- writing ----------------------------------------------------------------------------------------


def test_typed_rows_follow_every_write(db_store: Store) -> None:
    _fill(db_store)
    dump = typed_dump(db_store)
    assert dump == derived(db_store)
    assert len(dump["quotes"]) == 4 and len(dump["story_articles"]) == 9 and len(dump["mentions"]) == 6
    assert len(dump["timeline_entries"]) == 6 and len(dump["entity_names"]) == 5
    # Replacing a kind replaces its rows; the other kinds keep theirs.
    db_store.replace_records("quote", [corpus()[5][2][1]])
    assert ids(db_store.quotes_by_speaker(MADURO)) == ["qg_2"] and db_store.quotes_by_speaker(SILVA) == []
    assert typed_dump(db_store) == derived(db_store)
    # One scope is replaced or dropped without touching another.
    db_store.replace_records("key_timeline", [], scope="s1")
    assert [s for s, _ in db_store.timeline_between()] == ["e3"]
    assert typed_dump(db_store) == derived(db_store)
    db_store.drop_scopes("key_timeline", ["e3"])
    assert db_store.timeline_between() == [] and db_store.records("key_timeline") == []
    # Records of two kinds may share an id and a table: each kind replaces only its own rows.
    db_store.replace_records("reference", [(f"{ID[0]}:3:8", {"article_id": ID[0], "start": 3, "end": 8,
                                                              "kind": "nominal", "entity_id": MADURO}, [ID[0]])])
    db_store.replace_records("demonym", [])
    assert [m["kind"] for m in db_store.mentions_of(SILVA, ID[0])] == ["person"]
    assert [m["kind"] for m in db_store.mentions_of(MADURO, ID[0])] == ["nominal"]
    assert typed_dump(db_store) == derived(db_store)
    # Every kind emptied: every typed table is empty.
    for kind in KINDS:
        db_store.drop_scopes(kind, db_store.record_scopes(kind))
    assert all(rows == [] for rows in typed_dump(db_store).values())
    assert db_store.records("profile") == [{"outlet": "outlet", "article_ids": ID[:1]}]  # other kinds untouched


def test_a_failed_write_changes_neither(db_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db_store)
    before, json_before = typed_dump(db_store), db_store.records("quote")
    variant = {"article_id": ID[0], "start": 1, "end": 2, "speaker_entity_id": US}
    other = ("qg_9", {"id": "qg_9", "speaker_entity_id": US, "variants": [variant]}, ID[:1])
    with pytest.raises(Exception, match="Out of range float"):  # refused by the JSON column
        db_store.replace_records("quote", [other, ("bad", {"score": math.nan}, [])])
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):  # the same id twice
        db_store.replace_records("quote", [other, other])
    import newsweave.store.repository as repository

    def broken(conn: Any, tables: Any) -> None:  # the JSON rows are written; then the typed ones fail
        raise RuntimeError("disk full")

    monkeypatch.setattr(repository, "insert_typed", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        db_store.replace_records("quote", [other])
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="stage broke"), db_store.deferred():
        db_store.replace_records("quote", [other])
        raise RuntimeError("stage broke")
    assert typed_dump(db_store) == before and db_store.records("quote") == json_before
    assert db_store.quotes_by_speaker(US) == []


@pytest.mark.parametrize("payload", [
    {"id": "q"},
    {"variants": "not a list", "speaker_entity_id": 5},
    {"variants": [None, {"article_id": ["x"], "start": -1, "end": 2**40, "speaker_entity_id": "nul\x00led"}]},
    {"variants": [{"article_id": "a", "start": True, "speaker_text": "lone \ud800 surrogate"}]},
])
def test_odd_payloads_are_stored_as_before(db_store: Store, payload: dict[str, Any]) -> None:
    """A payload a row function does not expect still stores; its odd fields are NULL or cleaned."""
    db_store.replace_records("quote", [("q", payload, [])])
    assert db_store.records("quote") == [payload]
    for kind in ("story", "event", "entity", "timeline", "discrepancy", "mention"):
        db_store.replace_records(kind, [("x", payload, [])])
    db_store.replace_records("event", [("y", ["a list, not an object"], [])])  # type: ignore[list-item]
    assert typed_dump(db_store) == derived(db_store)
    with db_store.engine.connect() as conn:
        row = conn.execute(select(quotes).where(quotes.c.record_id == "q").order_by(quotes.c.n.desc())).first()
    assert row is not None and row.start is None and row.end is None  # no negative, huge or boolean offsets
    if row.speaker_entity_id is not None:
        assert "\x00" not in row.speaker_entity_id


# -- upgrading ------------------------------------------------------------------------------------


def test_a_store_at_0003_is_upgraded_and_backfilled(db_url: str, tmp_path: Any) -> None:
    """A store written before the typed tables gets them filled from its records when it opens."""
    from alembic import command
    from alembic.config import Config

    from newsweave.store.repository import MIGRATIONS, _article_row

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(db_url)
    with engine.begin() as conn:  # the schema and the writes of a store before revision 0004
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(insert(articles), [{**_article_row(a), "seq": k} for k, a in enumerate(A, 1)])
        for kind, scope, items in corpus():
            conn.execute(insert(records), [{"kind": kind, "id": i, "scope": scope, "payload": p} for i, p, _ in items])
            conn.execute(insert(record_articles),
                         [{"kind": kind, "record_id": i, "article_id": a} for i, _, cited in items for a in cited])
    engine.dispose()
    with Store(db_url) as store, store.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
    with Store(db_url) as store:
        upgraded = typed_dump(store)
        assert upgraded == derived(store)
        assert all(upgraded.values()) and sum(map(len, upgraded.values())) == 49
        assert ids(store.quotes_by_speaker(SILVA)) == ["qg_1", "qg_3"]
    with fresh_copy(db_url, tmp_path) as url, Store(url) as store:  # the same as written through the store
        _fill(store)
        assert typed_dump(store) == upgraded


@contextmanager
def fresh_copy(db_url: str, folder: Any) -> Iterator[str]:
    from tests.conftest import fresh_database

    with fresh_database("sqlite" if db_url.startswith("sqlite") else "postgresql", folder) as url:
        yield url


def test_the_schema_is_what_the_migrations_make(db_store: Store) -> None:
    """schema.py and the migrations agree on every typed table and index (autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    typed = {t.name for t in TABLES}
    with db_store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)

    def about_typed(diff: Any) -> bool:
        names = set()
        for item in diff if isinstance(diff, list) else [diff]:
            for part in item[1:]:
                names |= {part} if isinstance(part, str) else {getattr(part, "name", None),
                                                                getattr(getattr(part, "table", None), "name", None)}
        return bool(names & (typed | {"ix_articles_published"}))

    assert [d for d in diffs if about_typed(d)] == []


# -- queries ----------------------------------------------------------------------------------------


def test_queries(db_store: Store) -> None:
    _fill(db_store)
    s = db_store
    assert ids(s.quotes_by_speaker(SILVA)) == ["qg_1", "qg_3"]
    assert ids(s.quotes_by_speaker(SILVA, story="s1")) == ["qg_1"]
    assert ids(s.quotes_by_speaker(SILVA, story="e2")) == [] and s.quotes_by_speaker("nobody") == []
    assert ids(s.quotes_of_story("s1")) == ["qg_1", "qg_2"] and ids(s.quotes_of_story("e2")) == ["qg_2"]
    assert ids(s.quotes_in_article(ID[2])) == ["qg_1"]
    # Stories: by entity (names and pronouns), with dates meeting a range.
    assert ids(s.stories_with_entity(SILVA)) == ["e1", "s1"]
    assert ids(s.stories_with_entity(SILVA, level="storyline")) == ["s1"]
    assert ids(s.stories_with_entity(US, since="2019-02-01")) == ["s1", "e2"]  # by first date
    assert ids(s.stories_with_entity(SILVA, since="2019-02-01")) == ["s1"]  # the storyline runs into February
    assert ids(s.stories_with_entity(MADURO)) == ["e3"]
    assert s.stories_with_entity(MADURO, until="2020-01-01") == []  # undated: not in any range
    assert ids(s.stories_of_article(ID[3])) == ["e2", "s1"]
    assert [a.id for a in s.articles_of_story("e1")] == ID[:3] and s.articles_of_story("none") == []
    assert ids(s.entities_named("jose  luis SILVA")) == [SILVA] and ids(s.entities_named("salva")) == [SILVA]
    names_first = [*sorted([(ID[0], 3), (ID[1], 7)]), (ID[2], 40)]  # names by id, then the pronoun
    assert [(m["article_id"], m["start"]) for m in s.mentions_of(SILVA)] == names_first
    assert ids(s.claims_about(SILVA)) == ["c0", "c1"] and ids(s.claims_about(SILVA, "role")) == ["c0"]
    # Events: dated ones, whose every possible day lies in the range, by date.
    assert ids(s.events_between()) == ["ev_c", "ev_f", "ev_a", "ev_d"]  # 2019-01 starts on the 1st
    assert ids(s.events_between("2019-01-20", "2019-01-31")) == ["ev_f", "ev_a"]  # not the month, not "by"
    assert ids(s.events_between("2019-01-01", "2019-01-31", story="e1")) == ["ev_c", "ev_a"]
    assert ids(s.events_between(end="2019-01-31", entity=SILVA)) == ["ev_c", "ev_a"]
    assert ids(s.events_between("2019-02-18", "2019-02-24")) == ["ev_d"]  # ISO week 8 of 2019
    assert ids(s.events_between(story="s1")) == ["ev_c", "ev_a", "ev_d"]
    assert ids(s.events_of_article(ID[0])) == ["ev_a", "ev_e"]  # undated last
    # Timelines and discrepancies.
    from datetime import date

    assert [(sid, e["date"]) for sid, e in s.timeline_between(date(2019, 1, 1), date(2019, 12, 31))] == [
        ("e3", "2019-01-25"), ("s1", "2019-01-26"), ("s1", "2019-02-20")]
    assert [e["date"] for _, e in s.timeline_between(story="s1")] == ["2013", "2019-01-26", "2019-02-20"]
    assert [e["id"] for _, e in s.timeline_between(kind="timeline")] == ["tl_1"]  # XXXX-WXX-6 has no days
    assert ids(s.discrepancies_of("s1")) == ["d1"] and ids(s.discrepancies_of("e3")) == ["d2"]
    assert s.discrepancies_of("e2") == []
    assert ids(s.discrepancies_about(MADURO)) == ["d2"]
    assert ids(s.records_of_story("claim", "e3")) == ["c2"]
    assert s.records_of_story("profile", "s1") == s.records("profile")


@pytest.mark.parametrize(("value", "span"), [
    ("2019-01-27", ("2019-01-27", "2019-01-27")), ("2019-01-27TMO", ("2019-01-27", "2019-01-27")),
    ("2019-02", ("2019-02-01", "2019-02-28")), ("2020-02", ("2020-02-01", "2020-02-29")),
    ("2019-W04", ("2019-01-21", "2019-01-27")), ("2019-W04-WE", ("2019-01-26", "2019-01-27")),
    ("2019-W04-3", ("2019-01-23", "2019-01-23")), ("2019-Q2", ("2019-04-01", "2019-06-30")),
    ("2019-H2", ("2019-07-01", "2019-12-31")), ("2019-SU", ("2019-06-01", "2019-08-31")),
    ("2019-WI", ("2019-01-01", "2020-02-29")), ("2019", ("2019-01-01", "2019-12-31")),
    ("201", ("2010-01-01", "2019-12-31")), ("20", ("2000-01-01", "2099-12-31")),
    ("XXXX-WXX-6", None), ("2019-XX", None), ("PAST_REF", None), ("BC0044", None), ("2019-02-30", None),
    ("2019-W54", None), (None, None), ("", None), (2019, None),
])
def test_day_span(value: Any, span: tuple[str, str] | None) -> None:
    assert day_span(value) == span


# -- the indexes serve the queries ------------------------------------------------------------------


@contextmanager
def statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) the store runs inside the block."""
    seen: list[tuple[str, Any]] = []

    def log(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", log)


def plan(store: Store, statement: str, parameters: Any) -> str:
    """The query plan of a statement, as text."""
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(r[-1]) for r in rows)
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def _crowd(store: Store, n: int = 1000) -> None:
    """Many records of other speakers, entities and dates, so that a plan has something to choose from."""
    def day(k: int) -> str:
        return f"{2000 + k % 19}-{1 + k % 12:02d}-{1 + k % 28:02d}"

    store.replace_records("quote", [(f"qx{k}", {"id": f"qx{k}", "variants": [
        {"article_id": f"x{k % 500}", "start": k, "end": k + 1, "speaker_entity_id": f"ent_x{k}"}]}, [])
        for k in range(n)])
    store.replace_records("mention", [(f"x{k}:0:1", {"article_id": f"x{k}", "start": 0, "end": 1,
                                                     "entity_id": f"ent_x{k % 700}"}, []) for k in range(n)])
    store.replace_records("event", [(f"evx{k}", {"id": f"evx{k}", "date": day(k), "date_precision": "day",
                                                 "actor_entity_id": f"ent_x{k}", "article_ids": [f"x{k % 500}"]}, [])
                                    for k in range(n)])
    store.replace_records("entity", [(f"ent_x{k}", {"id": f"ent_x{k}", "name": f"Person {k}"}, []) for k in range(n)])
    store.replace_records("discrepancy", [(f"dx{k}", {"id": f"dx{k}", "entity_id": f"ent_x{k % 300}"}, [])
                                          for k in range(n)])
    if store.dialect == "postgresql":  # statistics, as autovacuum keeps them on a live server
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


@pytest.mark.parametrize(("ask", "index"), [
    (lambda s: s.quotes_by_speaker(SILVA), "ix_quotes_speaker"),
    (lambda s: s.stories_with_entity(SILVA), "ix_mentions_entity"),
    (lambda s: s.events_between("2019-01-20", "2019-01-31"), "ix_events_day"),
    (lambda s: s.events_of_article(ID[0]), "ix_events_article"),
    (lambda s: s.discrepancies_about(SILVA), "ix_discrepancies_entity"),
    (lambda s: s.entities_named("silva"), "ix_entity_names_key"),
])
def test_queries_use_their_index(db_store: Store, ask: Any, index: str) -> None:
    _fill(db_store)
    _crowd(db_store)
    with statements(db_store) as seen:
        ask(db_store)
    statement, parameters = next((q, p) for q, p in seen if re.match(r"\s*SELECT", q))  # the one by index
    shown = plan(db_store, statement, parameters)
    assert index in shown, shown


# -- a real analysis --------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_demo_analysis_fills_the_typed_tables(demo_runs: DemoRuns, backend: str) -> None:
    """After the stages ran on the demo corpus, the typed tables hold exactly what its records say,
    and the typed queries agree with filtering the records in Python."""
    with Store(demo_runs.get(backend).url) as store:
        dump = typed_dump(store)
        assert dump == derived(store)
        assert all(dump[name] for name in ("stories", "mentions", "quotes", "events", "claims", "discrepancies"))
        for quote_group in store.records("quote"):
            speaker = quote_group["speaker_entity_id"]
            if speaker:
                expected = [q["id"] for q in store.records("quote")
                            if any(v.get("speaker_entity_id") == speaker for v in q["variants"])]
                assert ids(store.quotes_by_speaker(speaker)) == expected
        for story in store.records("story"):
            cited = set(story["article_ids"])
            assert {d["id"] for d in store.discrepancies_of(story["id"])} == {
                d["id"] for d in store.records("discrepancy")
                if cited & {a for v in d["values"] for a in v["article_ids"]}}
