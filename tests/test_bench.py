"""The quality benches on folders in other layouts: they find the scorer, score what is there, and fail loudly.

Each bench runs as a script (as a user runs it) on a tiny copy of ``tests/resources/bench/<name>`` placed in a
temporary folder outside ``../shared/data``: a PLOVER file whose records carry only CAMEO codes, a PolNeAR folder
with only a ``test`` compartment, NeuS roundups without ``val``, an ECB+ folder without ``gold_stories.json``...
The helper module ``bench/_common.py`` (scorer lookup, splits, unusable records, "scored nothing") is tested
directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FIXTURES = Path(__file__).resolve().parent / "resources" / "bench"
SHARED_EVAL = ROOT.parent / "shared" / "eval"

sys.path.insert(0, str(BENCH))
import _common  # noqa: E402

needs_scorer = pytest.mark.skipif(not (SHARED_EVAL / "score.py").is_file(),
                                  reason=f"shared scorer not found at {SHARED_EVAL}")


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    """A folder that is not under ../shared/data (so ``<data>/../../eval`` does not exist)."""
    d = tmp_path / "my" / "datasets"
    d.mkdir(parents=True)
    return d


def copy_fixture(name: str, dest: Path) -> Path:
    """A copy of the fixture folder ``name`` under ``dest``."""
    return Path(shutil.copytree(FIXTURES / name, dest / name))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def run_bench(name: str, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``bench/bench_<name>.py`` as a script; the scorer override variable is unset unless ``env`` sets it."""
    base = {k: v for k, v in os.environ.items() if k != _common.EVAL_ENV}
    return subprocess.run([sys.executable, str(BENCH / f"bench_{name}.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=base | (env or {}), timeout=900, check=False)


def ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]


def failed(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    """The bench exited non-zero with one error line saying why (no traceback)."""
    assert proc.returncode == _common.EXIT_FAILED, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "error:" in line
    for w in words:
        assert w in line, line


# --- the shared helper ---------------------------------------------------------------------------------------


@pytest.fixture()
def no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(_common.EVAL_ENV, raising=False)
    yield


@needs_scorer
def test_scorer_is_found_from_the_project_root(no_env: None) -> None:
    assert _common.find_scorer() == (SHARED_EVAL / "score.py").resolve()


def test_scorer_override_by_option_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_env, by_arg = tmp_path / "env_eval", tmp_path / "arg_eval"
    for d in (by_env, by_arg):
        d.mkdir()
        (d / "score.py").write_text("", encoding="utf-8")
    monkeypatch.setenv(_common.EVAL_ENV, str(by_env))
    assert _common.find_scorer() == by_env.resolve() / "score.py"
    assert _common.find_scorer(by_arg) == by_arg.resolve() / "score.py"


def test_missing_scorer_is_one_clear_error(tmp_path: Path, no_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _common.find_scorer(tmp_path / "nowhere")
    assert exc.value.code == _common.EXIT_FAILED
    err = capsys.readouterr().err
    assert "scorer not found" in err and "nowhere" in err and "--eval" in err


def test_split_choice(capsys: pytest.CaptureFixture[str]) -> None:
    assert _common.choose_split(["train", "dev", None], None, "dev", "compartment") == "dev"
    assert _common.choose_split(["test"], None, "dev", "compartment") == "all"
    assert "no 'dev' compartment" in capsys.readouterr().err
    assert _common.choose_split(["test"], "test", "dev", "compartment") == "test"
    assert _common.choose_split(["test"], "all", "dev", "compartment") == "all"
    with pytest.raises(SystemExit):
        _common.choose_split(["test", "train"], "val", "val", "split")
    assert "present: test, train" in capsys.readouterr().err


def test_unusable_records_are_counted_and_none_usable_fails(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"id": "a", "text": "x"}, {"id": "b"}, {"text": "y"}]
    assert _common.keep_usable(rows, _common.article_problem, "articles", "f.jsonl") == rows[:1]
    err = capsys.readouterr().err
    assert "2 of 3 articles in f.jsonl not used" in err and "without a text" in err and "without an id" in err
    with pytest.raises(SystemExit):
        _common.keep_usable(rows[1:], _common.article_problem, "articles", "f.jsonl")
    assert "none of the 2 articles can be used" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _common.keep_usable([], _common.article_problem, "articles", "f.jsonl")


def test_nan_or_zero_means_nothing_scored(capsys: pytest.CaptureFixture[str]) -> None:
    _common.check_finite({"a": [0.5, {"b": 1.0}]})
    _common.check_scored(1, "stories")
    with pytest.raises(SystemExit):
        _common.check_finite({"rouge1": {"f1": float("nan")}}, "newsweave")
    assert "newsweave.rouge1.f1 is nan" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _common.check_scored(0, "stories")
    assert "scored nothing: 0 stories" in capsys.readouterr().err


def test_bad_jsonl_line_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": 1}\n\n{"id": \n', encoding="utf-8")
    with pytest.raises(SystemExit):
        _common.read_jsonl(p)
    assert "x.jsonl line 3: invalid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _common.read_jsonl(tmp_path / "absent.jsonl")
    assert "absent.jsonl: missing" in capsys.readouterr().err


# --- every bench on a folder in another layout ------------------------------------------------------------


@pytest.mark.slow
def test_events_uses_cameo_only_records(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("plover_cameo", elsewhere)
    proc = run_bench("events", "--data", data, "--out", tmp_path / "out")
    ok(proc)
    assert "1 of 4 records" in proc.stderr and "without id or text" in proc.stderr
    res = json.loads((tmp_path / "out" / "summary.json").read_text())
    # types from cameo2plover.tsv: 141 -> PROTEST, 057 -> AGREE, 190 -> FIGHT (via 19), the current ASSAULT
    assert res["n"] == 3
    assert set(res["per_type"]) == {"PROTEST", "AGREE", "ASSAULT"}
    assert res["n_with_actor"] == 0 and res["actor_accuracy"] is None  # no actors: not scored, not 0
    write_jsonl(data / "sentences.jsonl", [{"id": "x", "text": "Rebels attacked a convoy."}])
    failed(run_bench("events", "--data", data, "--out", tmp_path / "out2"), "none of the 1 records can be used")


@pytest.mark.slow
@needs_scorer
def test_quotes_scores_a_test_only_folder_with_the_shipped_params(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("polnear_test_only", elsewhere)
    out = tmp_path / "out"
    proc = run_bench("quotes", "--data", data, "--out", out, "--no-textacy", "--no-demo")
    ok(proc)
    assert "no 'dev' compartment" in proc.stderr
    res = json.loads((out / "results.json").read_text())
    assert res["split"] == "all" and res["refit"] is False and res["n_dev_articles"] == 2
    assert res["newsweave"]["n_gold"] == 5 and res["newsweave"]["cue"]["exact"]["matched"] > 0
    shipped = json.loads((ROOT / "src" / "newsweave" / "data" / "quotes_params.json").read_text())
    assert json.loads((out / "quotes_params.json").read_text()) == shipped
    failed(run_bench("quotes", "--data", data, "--out", out, "--no-textacy", "--split", "dev"),
           "--split dev", "present: test")
    failed(run_bench("quotes", "--data", data, "--out", out, "--no-textacy", "--refit", "--split", "test"),
           "'train'", "present: test")
    rows = [json.loads(x) for x in (data / "gold_attributions.jsonl").read_text().splitlines()]
    write_jsonl(data / "gold_attributions.jsonl", [r | {"primary": False} for r in rows])
    failed(run_bench("quotes", "--data", data, "--out", out, "--no-textacy"), "scored nothing")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("rouge_score") is None,
                    reason="rouge-score (bench-only, bench/requirements-summary.txt) is not installed")
def test_summary_without_val(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("neus_no_val", elsewhere)
    out = tmp_path / "out"
    failed(run_bench("summary", "--data", data, "--out", out, "--no-lexrank", "--split", "val"),
           "--split val", "present: test, train")
    ok(run_bench("summary", "--data", data, "--out", out, "--no-lexrank", "--split", "train"))
    res = json.loads((out / "results.json").read_text())
    assert res["meta"]["split"] == "train" and res["results"]["newsweave"]["stories"] == 1
    assert 0 < res["results"]["newsweave"]["rouge1"]["f1"] <= 1
    write_jsonl(data / "gold_summaries.jsonl", [{"story": "neus-train-0000", "article_ids": ["gone"], "summary": "x"}])
    failed(run_bench("summary", "--data", data, "--out", out, "--no-lexrank"), "none of the 1 roundups")


@pytest.mark.slow
@needs_scorer
def test_timex_elsewhere(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("timex_small", elsewhere)
    out = tmp_path / "out"
    ok(run_bench("timex", "--data", data, "--out", out, "--skip-heideltime"))
    res = json.loads((out / "summary.json").read_text())["results"]["newsweave"]["all"]
    assert res["strict"]["f1"] > 0
    (data / "gold_timex.jsonl").write_text("", encoding="utf-8")
    failed(run_bench("timex", "--data", data, "--out", out, "--skip-heideltime"), "0 gold TIMEX3")


@pytest.mark.slow
def test_timeline_elsewhere(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("timeline_small", elsewhere)
    out = tmp_path / "out"
    ok(run_bench("timeline", "--data", data, "--out", out))
    res = json.loads((out / "summary.json").read_text())
    assert res["newsweave"]["gold_relations"] > 0
    write_jsonl(data / "gold_timelines.jsonl", [{"target": "Apple", "entries": []}])
    failed(run_bench("timeline", "--data", data, "--out", out), "0 gold timeline relations")


@pytest.mark.slow
@needs_scorer
def test_entities_without_gold_stories_and_scorer_override(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("ecb_small", elsewhere)
    out = tmp_path / "out"
    failed(run_bench("entities", "--data", data, "--out", out, "--eval", tmp_path / "nowhere"), "scorer not found")
    copy = Path(shutil.copytree(SHARED_EVAL, tmp_path / "eval_copy"))
    proc = run_bench("entities", "--data", data, "--out", out, env={_common.EVAL_ENV: str(copy)})
    ok(proc)
    assert "no gold_stories.json" in proc.stderr
    scores = json.loads((out / "scores.json").read_text())
    assert scores["all/gold/system"]["n_gold_mentions"] == 6 and "story/gold/system" not in scores
    (data / "gold_coref.jsonl").write_text("", encoding="utf-8")
    failed(run_bench("entities", "--data", data, "--out", out), "0 gold entity chains")


@pytest.mark.slow
def test_discrepancies_and_speed_elsewhere(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("articles_small", elsewhere)
    ok(run_bench("discrepancies", "--data", data, "--out", tmp_path / "d"))
    res = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert res["articles"] == 2 and res["records"] == 2
    ok(run_bench("speed", "--data", data, "--out", tmp_path / "s"))
    assert json.loads((tmp_path / "s" / "speed.json").read_text())["articles_stored_by_newsweave"] == 2
    (data / "articles.jsonl").write_text("\n", encoding="utf-8")
    failed(run_bench("discrepancies", "--data", data, "--out", tmp_path / "d"), "0 records")
    failed(run_bench("speed", "--data", data, "--out", tmp_path / "s"), "no articles to score")


# --- bench_pipeline: end-to-end speed vs spaCy alone, per stage, incremental ------------------------------------


def test_pipeline_sample_is_deterministic_nested_and_never_repeats_a_text() -> None:
    import bench_pipeline

    folder = FIXTURES / "pipeline_small"
    pool, held, info = bench_pipeline.build_pool([folder], seed=0, add=1)
    again, held_again, _ = bench_pipeline.build_pool([folder], seed=0, add=1)
    assert [r["id"] for r in pool] == [r["id"] for r in again] and held == held_again
    # p7 is p2 with other whitespace, p8 is German: neither is used; the held-back article is in no sample
    assert info["duplicate_texts"] == 1 and info["not_english"] == 1
    ids = [r["id"] for r in pool] + [r["id"] for r in held]
    assert len(ids) == len(set(ids)) == 6 and "p8" not in ids and not ({"p2", "p7"} <= set(ids))
    keys = [bench_pipeline.text_key(r["text"]) for r in pool + held]
    assert len(keys) == len(set(keys))
    other, _, _ = bench_pipeline.build_pool([folder], seed=1, add=1)
    assert [r["id"] for r in other] != [r["id"] for r in pool]  # the seed is what makes it deterministic


def test_pipeline_bench_refuses_holdout_and_sizes_it_cannot_fill(elsewhere: Path, tmp_path: Path) -> None:
    data = copy_fixture("pipeline_small", elsewhere)
    holdout = Path(shutil.copytree(data, elsewhere / "aquaint"))
    failed(run_bench("pipeline", "--data", holdout, "--sizes", "2", "--out", tmp_path / "p"), "HOLDOUT")
    proc = run_bench("pipeline", "--data", data, "--sizes", "50,100", "--out", tmp_path / "p")
    failed(proc, "measured nothing")
    assert "size 50 skipped" in proc.stderr
    assert not (tmp_path / "p" / "pipeline.json").exists()


@pytest.mark.slow
def test_pipeline_bench_on_a_tiny_corpus(elsewhere: Path, tmp_path: Path) -> None:
    from newsweave.stages import STAGES

    data = copy_fixture("pipeline_small", elsewhere)
    out = tmp_path / "p"
    proc = run_bench("pipeline", "--data", data, "--sizes", "2,3,40", "--incremental", "--add", "1",
                     "--procs", "1", "--out", out, "--keep", tmp_path / "kept")
    ok(proc)
    assert "size 40 skipped" in proc.stderr
    res = json.loads((out / "pipeline.json").read_text())
    assert res["skipped_sizes"] == [40] and [s["articles"] for s in res["sizes"]] == [2, 3]
    for s in res["sizes"]:
        a = s["analyze"]
        assert a["stored_after"] == a["annotated_after"] == s["articles"]
        assert [r["n_process"] for r in s["spacy"]] == [1] and s["spacy"][0]["articles"] == s["articles"]
        assert set(a["stages"]) >= {"ingest", "annotate", "other", *(st.name for st in STAGES)}
        assert s["ratio_wall"] > 0 and s["ratio_cpu"] > 0 and a["peak_rss_mb"] > 0
        inc = s["incremental"]
        assert inc["articles"] == 1 and inc["stored_after"] == s["articles"] + 1
        assert "nothing new to annotate" not in inc["stages_said"]["annotate"]
    assert len(res["incremental_ratios"]) == 4 and all(v > 0 for v in res["incremental_ratios"].values())
    md = (out / "pipeline.md").read_text()
    assert "Per stage" in md and "| quotes |" in md
    # adding to a kept store: a catch-up run (nothing new: every stage current), then articles it does not hold
    kept = tmp_path / "kept" / "store-2.db"
    proc = run_bench("pipeline", "--data", data, "--sizes", "2", "--add", "1", "--procs", "1", "--out", out,
                     "--from-store", kept)
    ok(proc)
    res = json.loads((out / "pipeline-from-store.json").read_text())
    assert res["catch_up"]["stored_after"] == 3 and res["incremental"]["stored_after"] == 4
    said = res["catch_up"]["stages_said"]
    assert said.pop("annotate") == "nothing new to annotate", said
    assert said and all(v == "unchanged, not recomputed" for v in said.values()), said
    assert kept.is_file() and "| **total** |" in (out / "pipeline-from-store.md").read_text()
    failed(run_bench("pipeline", "--data", data, "--sizes", "2,3", "--out", out, "--from-store", kept),
           "--from-store FILE needs")


# --- bench_injected: one known error of each kind in a copy of a real article -----------------------------------

_STORY = [
    "President Maria Lopez said on Monday that the council had approved 240 new homes. "
    "Lopez told reporters: “The plan will help every family in Riverton find a home.” "
    "The vote was held on January 14 after two years of debate, officials said.",
    "Riverton's council approved 240 new homes, President Maria Lopez said on Monday. "
    "“The plan will help every family in Riverton find a home,” Lopez said. "
    "The vote was held on January 14, officials said.",
    "Councillors voted on January 14 for 240 homes. Lopez, the president of the council, welcomed it. "
    "The decision was taken after two years of debate.",
]


def test_injections_change_exactly_one_thing_of_each_kind() -> None:
    import random

    import bench_injected

    target, others = _STORY[0], _STORY[1:]
    for kind in bench_injected.KINDS:
        made = bench_injected.inject(kind, target, others, ["Maria Lopez"], random.Random(kind))
        assert made is not None, kind
        text, inj = made
        assert text != target and inj["old"] != inj["new"]
        assert text[inj["start"]:inj["end"]] == inj["changed"], (kind, inj)  # the span is the changed word(s)
        assert 0 <= inj["start"] < inj["end"] <= len(text)
    # nothing shared with the other articles: nothing to inject
    assert bench_injected.inject("number", "It cost 77 dollars.", ["No numbers here."], [], random.Random(1)) is None
    assert bench_injected.inject("date", "It began on March 3.", ["It began last week."], [], random.Random(1)) is None


def test_injected_bench_runs_the_pipeline_and_scores(elsewhere: Path, tmp_path: Path) -> None:
    data = elsewhere / "story"
    data.mkdir()
    rows, gold = [], {}
    for s in range(2):  # two stories, one injected copy each, of different kinds
        for i, t in enumerate(_STORY):
            rid = f"s{s}r{i}"
            rows.append({"id": rid, "text": t.replace("Riverton", ["Riverton", "Lakeside"][s]),
                         "source": f"outlet{i}.example", "published": "2020-01-15", "language": "en"})
            gold[rid] = f"story{s}"
    write_jsonl(data / "articles.jsonl", rows)
    (data / "gold_stories.json").write_text(json.dumps(gold), encoding="utf-8")
    ok(run_bench("injected", "--data", data, "--out", tmp_path / "i", "--stories", "2"))
    res = json.loads((tmp_path / "i" / "summary.json").read_text())
    assert res["copies"] == 2 and res["articles"] == 6
    injected = [json.loads(line) for line in (tmp_path / "i" / "injections.jsonl").read_text().splitlines()]
    assert sorted(r["kind"] for r in injected) == ["role", "spelling"]  # the rotation's first two kinds
    assert len({r["story"] for r in injected}) == 2
    assert res["newsweave"]["injected"] == {"spelling": 1, "role": 1}
    failed(run_bench("injected", "--data", data, "--out", tmp_path / "i", "--min-articles", "4"), "gold stories")
