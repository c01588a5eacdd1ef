"""Killed runs resume to the same result, and two runs on one store at once both finish (SQLite and PostgreSQL).

``newsweave analyze`` runs in a child process on the demo corpus. The test watches
the store (never the clock) and SIGKILLs the process during annotation, runs it
again and kills it during a later stage, then runs it to the end: the dossier is
the one an uninterrupted run makes. Each annotation transaction holds one article
here (``NEWSWEAVE_ANNOTATE_BATCH=1``) so that the kill lands between two of them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from newsweave.store import Store
from newsweave.store.schema import articles
from tests.conftest import BACKENDS, DemoRuns, comparable, fresh_database, newsweave_command, subprocess_env

pytestmark = pytest.mark.slow

N_ARTICLES = 5  # the demo corpus


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn."""
    return str(request.param)


def _analyze(seeds: Path, url: str, json_out: Path) -> list[str]:
    return [*newsweave_command(), "analyze", str(seeds), "--db", url, "--json", str(json_out), "--quiet"]


def _kill_when(cmd: list[str], store: Store, ready: Callable[[Store], bool], what: str) -> None:
    """Run ``cmd`` and SIGKILL it as soon as ``ready(store)`` holds (fail if it ends first)."""
    proc = subprocess.Popen(cmd, env=subprocess_env(NEWSWEAVE_ANNOTATE_BATCH="1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while not ready(store):
            if proc.poll() is not None:
                pytest.fail(f"analyze ended (exit {proc.returncode}) before {what}: {proc.communicate()[1]}")
            time.sleep(0.005)  # polling interval, not a deadline
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=subprocess_env(NEWSWEAVE_ANNOTATE_BATCH="1"), capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    return done


def _check_dossier(path: Path, reference: dict[str, Any]) -> dict[str, Any]:
    dossier: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    got, want = comparable(dossier), comparable(reference)
    for section in want:
        assert got[section] == want[section], section
    assert got == want
    assert {f["status"] for f in dossier["inputs"]} <= {"stored", "duplicate"}
    assert sorted(f["article_id"] for f in dossier["inputs"]) == sorted(a["id"] for a in reference["articles"])
    return dossier


def test_killed_runs_resume_to_the_same_result(backend: str, demo_runs: DemoRuns, seeds_dir: Path,
                                               tmp_path: Path) -> None:
    reference = demo_runs.get(backend).dossier
    with fresh_database(backend, tmp_path) as url, Store(url) as store:
        cmd = _analyze(seeds_dir, url, tmp_path / "dossier.json")

        # 1. Killed during annotation, between two of its transactions.
        _kill_when(cmd, store, lambda s: 0 < s.count_annotations() < N_ARTICLES, "annotation")
        annotated = store.count_annotations()
        assert store.count_articles() == N_ARTICLES and 0 < annotated < N_ARTICLES
        assert store.get_state("stage:reuse") is None

        # 2. Run again (annotation goes on where it stopped), killed during a later stage: after the
        #    events stage committed, while corroboration or the summaries run.
        _kill_when(cmd, store, lambda s: s.get_state("stage:events") is not None, "the events stage ended")
        assert store.count_annotations() == N_ARTICLES
        assert store.get_state("stage:summary") is None  # it did not get to the end
        assert store.records("event") and store.records("quote") and store.records("story")
        # A stage is there whole (records and fingerprint) or not at all.
        for stage, kind in (("corroborate", "claim"), ("summary", "summary")):
            assert (store.get_state(f"stage:{stage}") is None) == (store.records(kind) == []), stage

        # 3. Run to the end: what was done is not redone, and the dossier is an uninterrupted run's.
        done = _run(cmd)
    for stage in ("reuse", "stories", "entities", "quotes", "events"):
        assert f"{stage}: unchanged, not recomputed" in done.stdout, done.stdout
    assert "annotate: nothing new to annotate" in done.stdout
    _check_dossier(tmp_path / "dossier.json", reference)


def test_two_analyze_runs_on_one_store_at_once(backend: str, demo_runs: DemoRuns, seeds_dir: Path,
                                               tmp_path: Path) -> None:
    reference = demo_runs.get(backend).dossier
    with fresh_database(backend, tmp_path) as url:  # both runs create the schema at once, too
        outs = [tmp_path / f"run{k}.json" for k in (0, 1)]
        procs = [subprocess.Popen(_analyze(seeds_dir, url, out), env=subprocess_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for out in outs]
        results = [p.communicate(timeout=900) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
        with Store(url) as store:
            assert store.count_articles() == N_ARTICLES
            with store.engine.connect() as conn:
                assert list(conn.scalars(select(articles.c.seq).order_by(articles.c.seq))) == [1, 2, 3, 4, 5]
            assert store.count_annotations() == N_ARTICLES
            assignments = store.records("story_assignment")
            assert sorted(a["article_id"] for a in assignments) == sorted(store.iter_article_ids())
    dossiers = [_check_dossier(out, reference) for out in outs]  # nothing lost, nothing twice
    stored = [sorted(f["article_id"] for f in d["inputs"] if f["status"] == "stored") for d in dossiers]
    assert sorted(stored[0] + stored[1]) == sorted(a["id"] for a in reference["articles"])  # each stored once
