"""spaCy in several processes: the same annotations as in one, whole transactions, no worker outliving its run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from newsweave import pipeline
from newsweave.annotate import nlp as nlp_module
from newsweave.annotate.nlp import annotate, choose_processes
from newsweave.config import Settings
from newsweave.models import Article
from newsweave.store import Store
from tests.conftest import RESOURCES, subprocess_env

REALNEWS = RESOURCES / "realnews" / "articles.jsonl"


def _articles(copies: int = 1) -> list[Article]:
    """The eleven real articles (``copies`` times, each copy with a text of its own)."""
    rows = [json.loads(line) for line in REALNEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for c in range(copies):
        for r in rows:
            text = r["text"] if c == 0 else f"{r['text']}\n\nCopy {c}."
            out.append(Article(id=f"{r['id'][-12:]}-{c}", text=text, input=r["id"], language="en",
                               published=r.get("published")))
    return out


def _dicts(anns: Any) -> list[dict[str, Any]]:
    return [a.to_dict() for a in anns]


def test_choose_processes() -> None:
    per = nlp_module.MIN_ARTICLES_PER_PROCESS
    assert choose_processes(2, 10**6) == 2
    assert choose_processes(2, 2 * per - 1) == 1  # too few articles for two workers to pay
    assert choose_processes(3, 2 * per) == 2
    assert choose_processes(1, 10**6) == 1
    assert choose_processes(5, 0) == 1
    assert choose_processes(0, 10**6) == nlp_module.usable_cpus()


def test_two_processes_annotate_as_one(nlp: Any) -> None:
    arts = [*_articles(), Article(id="de", text="Ein deutscher Text.", input="de", language="de")]
    one = _dicts(annotate(arts, nlp, batch_size=2, processes=1))
    two = _dicts(annotate(arts, nlp, batch_size=2, processes=2))
    assert len(one) == 11 and [a["article_id"] for a in one] == [a.id for a in arts if a.language == "en"]
    assert two == one
    assert all(a["tokens"] and a["sentences"] for a in one)


def test_annotate_new_in_two_processes_stores_what_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            nlp: Any) -> None:
    monkeypatch.setattr(nlp_module, "MIN_ARTICLES_PER_PROCESS", 2)
    arts = _articles()
    stored = {}
    for procs in (1, 2):
        settings = Settings(db_url=f"sqlite:///{tmp_path / f'p{procs}.db'}", annotate_batch=3,
                            annotate_processes=procs)
        with Store(settings.db_url) as store:
            store.add_articles(arts)
            assert pipeline.annotate_new(store, settings) == len(arts)
            assert pipeline.annotate_new(store, settings) == 0
            stored[procs] = {k: v.to_dict() for k, v in store.annotations().items()}
    assert stored[2] == stored[1] and len(stored[1]) == len(arts)


CHILD = """
import sys
from newsweave import pipeline
from newsweave.annotate import nlp as nlp_module
from newsweave.config import Settings
from newsweave.store import Store

nlp_module.MIN_ARTICLES_PER_PROCESS = 1
settings = Settings(db_url=sys.argv[1], annotate_batch=2, batch_size=2, annotate_processes=2)
with Store(settings.db_url) as store:
    pipeline.annotate_new(store, settings)
"""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers die with their parent on Linux")
def test_killed_run_keeps_whole_batches_and_leaves_no_worker(tmp_path: Path, nlp: Any) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    arts = _articles(copies=3)
    with Store(url) as store:
        store.add_articles(arts)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    proc = subprocess.Popen([sys.executable, str(script), url], env=subprocess_env(), start_new_session=True,
                            stderr=subprocess.PIPE, text=True)
    try:
        with Store(url) as store:
            while store.count_annotations() == 0:
                if proc.poll() is not None:
                    pytest.fail(f"the child ended (exit {proc.returncode}) first: {proc.communicate()[1]}")
                time.sleep(0.005)  # polling interval, not a deadline
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        for _ in range(6000):  # the workers get SIGKILL from the kernel when their parent dies
            if not _group_alive(proc.pid):
                break
            time.sleep(0.005)
        assert not _group_alive(proc.pid), "a spaCy worker outlived the killed run"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    with Store(url) as store:
        kept = store.count_annotations()
        assert kept > 0 and (kept % 2 == 0 or kept == len(arts))  # whole transactions of two
        settings = Settings(db_url=url, annotate_processes=1)
        assert pipeline.annotate_new(store, settings) == len(arts) - kept  # goes on where it stopped
        resumed = {k: v.to_dict() for k, v in store.annotations().items()}
    assert resumed == {a.article_id: a.to_dict() for a in annotate(arts, nlp, processes=1)}
