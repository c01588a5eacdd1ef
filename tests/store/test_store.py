"""The store on SQLite and PostgreSQL: what goes in comes out the same, writers take turns, errors are one line."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from newsweave.errors import StoreError, StoreValueError
from newsweave.models import Annotation, Article
from newsweave.store import Store
from newsweave.store.repository import head_revision
from newsweave.store.schema import articles, embeddings, records
from tests.conftest import newsweave_command, subprocess_env


def _art(k: int, **kw: object) -> Article:
    body = f"Report {k}: officials in city {k} said on Monday that the roads were closed after the storm."
    return Article(id=hashlib.sha256(body.encode()).hexdigest()[:17], text=body, input=f"in/{k}.txt",
                   language="en", **kw)  # type: ignore[arg-type]


def _ann(article_id: str, model: str) -> Annotation:
    return Annotation(article_id=article_id, model=model, sentences=[], tokens=[], entities=[])


def _seqs(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.scalars(select(articles.c.seq).order_by(articles.c.seq)))


def test_migrated_to_head_and_reopens(db_url: str) -> None:
    with Store(db_url) as store:
        store.add_articles([_art(1)])
    with Store(db_url) as store:  # a second open finds the schema current and changes nothing
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert [a.id for a in store.articles()] == [_art(1).id]


def test_articles_round_trip_with_seq(db_store: Store) -> None:
    meta = {"z": 1, "a": ["é", {"b": None}], "ünï": "\u2028"}
    first = _art(1, title="Tïtle “quoted”", source="S" * 1000, meta=meta, published="2019-01-27",
                 published_from="metadata", author="A. N. Author")
    assert db_store.add_articles([first, _art(2), _art(1)]) == [first.id, _art(2).id]
    assert db_store.add_articles([_art(2), _art(3)]) == [_art(3).id]  # already stored: not added again
    assert _seqs(db_store) == [1, 2, 3]
    (back,) = db_store.articles([first.id])
    assert back == first
    assert list(back.meta) == ["z", "a", "ünï"]  # key order kept (JSON, not JSONB)
    assert db_store.article(first.id[:6]) == first


def test_long_ids_and_many_ids(db_store: Store) -> None:
    batch = [_art(k) for k in range(600)]
    db_store.add_articles(batch)
    ids = [a.id for a in batch]
    unknown = [f"x{k:016d}" for k in range(70_000)]  # more than either backend binds in one statement
    assert db_store.known_ids(ids + unknown) == set(ids)
    assert [a.id for a in db_store.articles(list(reversed(ids)) + unknown)] == ids  # ingestion order
    db_store.put_annotations([_ann(i, "m") for i in ids])
    assert set(db_store.annotations(ids + unknown)) == set(ids)
    # A record keyed by a long outlet name (source profiles are) fits on both backends.
    long_id = "The " + "Very " * 100 + "Long Outlet"
    db_store.replace_records("profile", [(long_id, {"outlet": long_id}, ids[:3])])
    assert db_store.records("profile") == [{"outlet": long_id}]


def test_records_in_code_point_order(db_store: Store) -> None:
    ids = ["b", "B", "a", "É", "_x", "Z", "ä", "10", "9"]
    db_store.replace_records("entity", [(i, {"id": i}, []) for i in ids])
    assert [r["id"] for r in db_store.records("entity")] == sorted(ids)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("input", "bad\udcffbyte.txt", "input is not valid Unicode (lone surrogate U+DCFF at character 3)"),
    ("title", "a\x00b", "title contains a NUL character"),
    ("text", "Colonel \ud800 said", "text is not valid Unicode"),
    ("language", 5, "language is a int, not text"),
    ("meta", {"score": float("nan")}, "meta is not JSON"),
])
def test_values_no_backend_can_store_are_refused(db_store: Store, field: str, value: object, reason: str) -> None:
    bad = _art(9)
    setattr(bad, field, value)
    with pytest.raises(StoreValueError, match=re.escape(reason)) as info:
        db_store.add_articles([_art(1), bad])
    assert str(info.value).startswith("[E010] article ")
    assert db_store.count_articles() == 0  # the whole batch was one transaction
    assert db_store.add_articles([_art(1)]) == [_art(1).id]


def test_nan_in_a_record_is_refused_on_both(db_store: Store) -> None:
    with pytest.raises(Exception, match="Out of range float values are not JSON compliant"):
        db_store.replace_records("claim", [("c", {"score": float("inf")}, [])])
    assert db_store.records("claim") == []


def test_annotations_and_state_are_upserted(db_store: Store) -> None:
    a = _art(1)
    db_store.add_articles([a])
    db_store.put_annotations([_ann(a.id, "old")])
    db_store.put_annotations([_ann(a.id, "new")])
    assert db_store.annotations()[a.id].model == "new"
    assert db_store.count_annotations() == 1
    db_store.set_state("k", {"v": 1})
    db_store.set_state("k", [2])
    assert db_store.get_state("k") == [2]


def test_deferred_writes_land_together_or_not_at_all(db_store: Store) -> None:
    a = _art(1)
    db_store.add_articles([a])
    db_store.replace_records("quote", [("q0", {"id": "q0"}, [a.id])])
    with pytest.raises(RuntimeError, match="stage broke"), db_store.deferred():
        db_store.replace_records("quote", [("q1", {"id": "q1"}, [a.id])])
        db_store.set_state("stage:quotes", "fp1")
        assert db_store.get_state("stage:quotes") == "fp1"  # the block sees its own state
        assert db_store.records("quote") == [{"id": "q0"}]  # nothing written yet
        raise RuntimeError("stage broke")
    assert db_store.records("quote") == [{"id": "q0"}]
    assert db_store.get_state("stage:quotes") is None
    with db_store.deferred():
        with db_store.transaction() as conn:
            assert conn is None  # already one transaction
            db_store.replace_records("quote", [("q2", {"id": "q2"}, [a.id])], conn=conn)
        db_store.set_state("stage:quotes", "fp2")
    assert db_store.records("quote") == [{"id": "q2"}]
    assert db_store.get_state("stage:quotes") == "fp2"


#: Start of a child script: ``url``, ``me`` (0 or 1), ``folder``; waits until both children are there.
TOGETHER = """
import hashlib, pathlib, sys, time
from newsweave.models import Annotation, Article
from newsweave.store import Store

url, me, folder = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
(folder / f"ready{me}").touch()
while not (folder / f"ready{1 - me}").exists():
    time.sleep(0.005)
"""


def _two_at_once(body: str, db_url: str, folder: Path) -> list[str]:
    """Run ``body`` in two processes started together; their stderr (both must exit 0)."""
    script = folder / "child.py"
    script.write_text(TOGETHER + textwrap.dedent(body))
    procs = [subprocess.Popen([sys.executable, str(script), db_url, str(me), str(folder)], stderr=subprocess.PIPE,
                              text=True) for me in (0, 1)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    return errors


def test_two_processes_write_at_once(db_url: str, tmp_path: Path) -> None:
    _two_at_once("""
        def art(k):
            body = f"Report {k}: officials in city {k} said on Monday that the roads were closed after the storm."
            return Article(id=hashlib.sha256(body.encode()).hexdigest()[:17], text=body, input=f"{me}/{k}.txt",
                           language="en")
        with Store(url) as store:  # both processes may create the schema at once
            for b in range(25):
                batch = [art(k) for k in range(b * 4, b * 4 + 4)] + [art(1000 * (me + 1) + b)]  # shared + own
                store.add_articles(batch)
                store.put_annotations([Annotation(a.id, str(me), [], [], []) for a in batch])
                store.replace_records("story", [(f"s{b}", {"id": f"s{b}", "by": me}, [a.id for a in batch])])
                store.set_state("last", b)
    """, db_url, tmp_path)
    with Store(db_url) as store:
        assert store.count_articles() == 100 + 50
        assert _seqs(store) == list(range(1, 151))  # unique and without gaps
        assert store.count_annotations() == 150
        (story,) = store.records("story")
        assert story["id"] == "s24"
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(records)) == 1
        assert store.get_state("last") == 24


def test_one_analysis_at_a_time(db_url: str, tmp_path: Path) -> None:
    Store(db_url).close()  # the schema exists: both children reach the lock at about the same time
    errors = _two_at_once("""
        with Store(url) as store, store.exclusive("analysis"):
            with open(folder / "log", "a") as log:
                log.write(f"enter {me}\\n")
            time.sleep(0.5)  # holds the lock a while: without it the other process would enter meanwhile
            with open(folder / "log", "a") as log:
                log.write(f"exit {me}\\n")
    """, db_url, tmp_path)
    log = (tmp_path / "log").read_text().split()
    first, second = log[1], log[5]
    assert {first, second} == {"0", "1"}
    assert log == ["enter", first, "exit", first, "enter", second, "exit", second]
    assert any("another newsweave run is analysing" in e for e in errors)  # the one that waited said so


def test_missing_driver_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails as if not installed
    with pytest.raises(StoreError) as info:
        Store("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    message = str(info.value)
    assert message.startswith("[E010] the database driver for postgresql+psycopg://postgres@127.0.0.1:5432/test "
                              "is not installed")
    assert "pip install 'psycopg[binary]'" in message and "\n" not in message


def test_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StoreError) as info:
        Store("postgresql+psycopg://postgres@127.0.0.1:1/test")  # nothing listens on port 1
    assert str(info.value) == "[E010] cannot reach PostgreSQL at 127.0.0.1:1: Connection refused"


@pytest.mark.parametrize(("url", "says"), [
    ("mysql://u@h/db", "unsupported database 'mysql'"),
    ("not a url", "not a database URL"),
    ("sqlite:////nonexistent-dir/x/y.db", "cannot open SQLite database '/nonexistent-dir/x/y.db'"),
])
def test_unusable_urls_are_one_clear_error(url: str, says: str) -> None:
    with pytest.raises(StoreError, match=says):
        Store(url)


def test_cli_prints_an_unreachable_server_as_one_line() -> None:
    done = subprocess.run([*newsweave_command(), "articles", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/x"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[E010] cannot reach PostgreSQL at 127.0.0.1:1" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_dump_is_json(db_store: Store) -> None:
    """Payloads come back as the JSON that went in, on both backends (no float or key drift)."""
    payload = {"b": 0.1, "a": [1, 2.5, True, None], "s": "“x” \u00e9 \U0001f600", "n": 10**15}
    db_store.replace_records("event", [("e", payload, [])])
    (back,) = db_store.records("event")
    assert json.dumps(back) == json.dumps(payload)


# -- the embedding cache -------------------------------------------------------------------------


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def test_embeddings_come_back_bit_for_bit(db_store: Store) -> None:
    rng = np.random.default_rng(7)
    vecs = {_key(f"t{k}"): rng.standard_normal(384).astype(np.float32) for k in range(600)}  # > one IN chunk
    vecs[_key("tiny")] = np.array([1e-40, -0.0, 3.4e38], dtype=np.float32)
    assert db_store.put_embeddings("enc/1", vecs.items()) == len(vecs)
    asked = [*vecs, _key("never stored")]
    back = db_store.embeddings("enc/1", asked)
    assert set(back) == set(vecs)
    for k, v in vecs.items():
        assert back[k].dtype == np.float32 and back[k].tobytes() == v.tobytes()
    assert db_store.embeddings("enc/2", asked) == {}  # vectors belong to their encoder
    db_store.put_embeddings("enc/1", [(_key("t0"), np.ones(384, dtype=np.float32))])  # replaced, not doubled
    assert np.array_equal(db_store.embeddings("enc/1", [_key("t0")])[_key("t0")], np.ones(384))
    assert db_store.count_embeddings("enc/1") == len(vecs) and db_store.count_embeddings() == len(vecs)


@pytest.mark.parametrize("bad", [np.array([1.0, np.nan]), np.zeros((2, 2)), np.zeros(0)])
def test_embeddings_refuse_what_is_not_a_vector(db_store: Store, bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="embedding"):
        db_store.put_embeddings("enc/1", [(_key("x"), np.ones(3)), (_key("y"), bad)])
    with pytest.raises(ValueError, match="SHA-256"):
        db_store.put_embeddings("enc/1", [(b"short", np.ones(3))])
    assert db_store.count_embeddings() == 0  # nothing of the refused call


def test_embeddings_commit_at_once_inside_a_stage(db_store: Store) -> None:
    """A vector belongs to its text: it is kept even when the stage that made it fails."""
    with pytest.raises(RuntimeError, match="stage broke"), db_store.deferred():
        db_store.put_embeddings("enc/1", [(_key("x"), np.ones(3, dtype=np.float32))])
        db_store.set_state("stage:quotes", "fp")
        assert set(db_store.embeddings("enc/1", [_key("x")])) == {_key("x")}  # readable inside the block
        raise RuntimeError("stage broke")
    assert db_store.get_state("stage:quotes") is None
    assert set(db_store.embeddings("enc/1", [_key("x")])) == {_key("x")}


def test_a_damaged_row_is_encoded_again(db_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with db_store.engine.begin() as conn:  # no writer of the store makes such a row
        conn.execute(embeddings.insert(), [{"encoder": "enc/1", "text_sha256": _key("x"), "dim": 384,
                                            "vector": b"\x00" * 100}])
    assert db_store.embeddings("enc/1", [_key("x")]) == {}
    assert "damaged" in caplog.text
    db_store.put_embeddings("enc/1", [(_key("x"), np.ones(384, dtype=np.float32))])
    assert set(db_store.embeddings("enc/1", [_key("x")])) == {_key("x")}


def test_a_store_at_revision_0002_is_upgraded_with_its_data(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, insert

    from newsweave.store.repository import MIGRATIONS, _article_row

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(db_url)
    with engine.begin() as conn:  # the schema a store had before the embedding cache
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(insert(articles), [{**_article_row(_art(1)), "seq": 1}])
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0002"
    engine.dispose()
    with Store(db_url) as store:
        assert [a.id for a in store.articles()] == [_art(1).id]
        store.put_embeddings("enc/1", [(_key("x"), np.ones(4, dtype=np.float32))])
        assert set(store.embeddings("enc/1", [_key("x")])) == {_key("x")}
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()


def test_a_killed_writer_leaves_whole_vectors(db_url: str, tmp_path: Path) -> None:
    """SIGKILL while vectors are being cached, 50 a transaction: every stored vector is whole."""
    Store(db_url).close()
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent("""
        import hashlib, pathlib, sys
        import numpy as np
        from newsweave.store import Store
        with Store(sys.argv[1]) as store:
            for b in range(10**6):
                rows = [(hashlib.sha256(f"{b}:{k}".encode()).digest(), np.full(384, b + k / 100, dtype=np.float32))
                        for k in range(50)]
                store.put_embeddings("enc/1", rows)
                pathlib.Path(sys.argv[2]).write_text(str(b))
    """))
    progress = tmp_path / "progress"
    proc = subprocess.Popen([sys.executable, str(script), db_url, str(progress)], stderr=subprocess.PIPE, text=True)
    try:
        while not progress.exists() or int(progress.read_text() or 0) < 5:
            if proc.poll() is not None:
                pytest.fail(f"the writer ended first: {proc.communicate()[1]}")
            time.sleep(0.005)  # polling interval, not a deadline
    finally:
        proc.kill()
        proc.wait()
    with Store(db_url) as store:
        n = store.count_embeddings("enc/1")
        assert n >= 300 and n % 50 == 0  # whole transactions only
        with store.engine.connect() as conn:
            keys = [bytes(k) for k in conn.scalars(select(embeddings.c.text_sha256))]
        back = store.embeddings("enc/1", keys)
    assert len(back) == n
    for b in range(n // 50):
        for k in range(50):
            vec = back[hashlib.sha256(f"{b}:{k}".encode()).digest()]
            assert np.array_equal(vec, np.full(384, b + k / 100, dtype=np.float32))
