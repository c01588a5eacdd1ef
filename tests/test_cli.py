"""The command line: every command has help; the demo command works end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsweave.cli import app

runner = CliRunner()


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_top_level_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in _commands():
        assert name in result.output


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str) -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert group.commands[command].help, f"{command} has no help text"  # type: ignore[attr-defined]
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_analyze_articles_show(seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli

    monkeypatch.setattr(cli.console, "width", 400)  # no wrapping inside the words we look for
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    out_json = tmp_path / "out.json"
    result = runner.invoke(app, ["analyze", str(seeds_dir), "--db", db, "--json", str(out_json),
                                 "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "5 stored" in result.output
    data = json.loads(out_json.read_text())
    assert len(data["articles"]) == 5
    assert (tmp_path / "report" / "index.html").exists()
    assert len(list((tmp_path / "report").glob("*.html"))) >= 2  # the index and one page per story
    assert (tmp_path / "report" / "dossier.json").exists()
    result = runner.invoke(app, ["analyze", str(seeds_dir), "--db", db])
    assert "5 duplicate" in result.output
    result = runner.invoke(app, ["articles", "--db", db])
    assert result.exit_code == 0 and "2019-01-27" in result.output
    aid = data["articles"][1]["id"]
    result = runner.invoke(app, ["show", aid[:8], "--db", db])
    assert result.exit_code == 0, result.output
    assert "Venezuelan Key Military Official" in result.output
    assert "PERSON" in result.output
    result = runner.invoke(app, ["show", "zzzzzz", "--db", db])
    assert result.exit_code == 1
    result = runner.invoke(app, ["entities", "--db", db, "--kind", "person"])
    assert result.exit_code == 0 and "Salva" in result.output and "likely_misspelling" in result.output
    result = runner.invoke(app, ["quotes", "--db", db, "--speaker", "Silva"])
    assert result.exit_code == 0 and "mistreat your people" in result.output
    result = runner.invoke(app, ["discrepancies", "--db", db])
    assert result.exit_code == 0 and "leading ambassador" in result.output
    result = runner.invoke(app, ["reuse", "--db", db])
    assert result.exit_code == 0 and "Originality" in result.output
    result = runner.invoke(app, ["stories", "--db", db])
    assert result.exit_code == 0
    result = runner.invoke(app, ["timeline", "no-such-story", "--db", db])
    assert result.exit_code == 1


# ---------------------------------------------------------------------------
# failures are one line with a stable code; Ctrl-C keeps what was stored
# ---------------------------------------------------------------------------
def test_store_error_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["articles", "--db", "nosuchdialect://x"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: [E010]"), result.output
    result = runner.invoke(app, ["--debug", "articles", "--db", "nosuchdialect://x"])
    assert result.exit_code == 2 and "Traceback" in result.output and "[E010]" in result.output


def test_unexpected_error_is_one_line_unless_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import pipeline

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(pipeline, "analyze", boom)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(app, ["analyze", "--db", db])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if "error" in line] == [
        "error: unexpected RuntimeError: boom"], result.output
    result = runner.invoke(app, ["--debug", "analyze", "--db", db])
    assert result.exit_code == 1 and "Traceback" in result.output and "RuntimeError: boom" in result.output


def _analyzed(seeds_dir: Path, tmp_path: Path) -> str:
    """A store with the demo corpus analysed (once per test that needs it)."""
    db = f"sqlite:///{tmp_path / 'out.db'}"
    result = runner.invoke(app, ["analyze", str(seeds_dir), "--db", db, "--quiet"])
    assert result.exit_code == 0, result.output
    return db


def test_one_failed_output_keeps_the_others(seeds_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli
    from newsweave.report import render

    monkeypatch.setattr(cli.console, "width", 400)
    monkeypatch.setattr(cli.err_console, "width", 400)
    db = _analyzed(seeds_dir, tmp_path)
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("the previous index")
    json_dir = tmp_path / "taken"  # a folder where the JSON file should go: it cannot be written
    json_dir.mkdir()
    calls: list[str] = []
    real_html = render.story_html

    def html_fails_once(dossier: dict[str, Any], view: dict[str, Any], texts: dict[str, str]) -> str:
        calls.append(view["id"])
        if len(calls) == 1:
            raise KeyError("rendering bug")
        return real_html(dossier, view, texts)

    monkeypatch.setattr(render, "story_html", html_fails_once)
    result = runner.invoke(app, ["analyze", "--db", db, "--json", str(json_dir), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, result.output
    assert errors[0].startswith(f"error: [E040] cannot write {json_dir}")
    assert errors[1].startswith("error: [E040]") and "KeyError" in errors[1]
    assert json.loads((out / "dossier.json").read_text())["schema"] == "newsweave.dossier/1"
    assert list(out.glob("*.md")) and (out / "index.html").read_text() != "the previous index"
    assert len(list(out.glob("*.html"))) == len(calls)  # the index and every page but the failed one
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    assert "outputs not written" in result.output


def test_failed_stage_is_one_line_and_exit_1(seeds_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli, pipeline

    monkeypatch.setattr(cli.err_console, "width", 400)
    db = _analyzed(seeds_dir, tmp_path)  # also fills pipeline.STAGES

    stage = pipeline.STAGES[1]

    def broken(store: object, settings: object) -> str:
        raise ValueError("bad value\nmore")

    monkeypatch.setattr(stage, "run", broken)
    out = tmp_path / "report"
    result = runner.invoke(app, ["analyze", "--db", db, "--force", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: [E050] stage {stage.name} failed (ValueError: bad value"], result.output
    assert (out / "dossier.json").exists()  # the outputs are still written, from the records kept
    result = runner.invoke(app, ["--debug", "analyze", "--db", db, "--force"])
    assert result.exit_code == 1 and "Traceback" in result.output and "ValueError: bad value" in result.output


def test_invalid_dossier_is_not_written_but_pages_are(seeds_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli
    from newsweave.report import dossier as dossier_mod

    monkeypatch.setattr(cli.err_console, "width", 400)
    db = _analyzed(seeds_dir, tmp_path)
    real_build = dossier_mod.build_dossier

    def bad_date(*args: Any, **kwargs: Any) -> dict[str, Any]:
        d = real_build(*args, **kwargs)
        d["events"][0]["date"] = "sometime"
        return d

    monkeypatch.setattr(dossier_mod, "build_dossier", bad_date)
    out = tmp_path / "report"
    result = runner.invoke(app, ["analyze", "--db", db, "--json", str(tmp_path / "d.json"), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all("[E020] dossier invalid at events/0/date" in e for e in errors), result.output
    assert not (tmp_path / "d.json").exists() and not (out / "dossier.json").exists()
    assert list(out.glob("*.md")) and (out / "index.html").exists()
    result = runner.invoke(app, ["--debug", "analyze", "--db", db, "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 1 and "Traceback" in result.output and "SchemaError" in result.output


@pytest.mark.parametrize("command", ["analyze", "ingest"])
def test_ctrl_c_says_what_was_kept(command: str, seeds_dir: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli, pipeline

    monkeypatch.setattr(cli.err_console, "width", 400)
    db = f"sqlite:///{tmp_path / 'int.db'}"
    real_ingest = pipeline.ingest

    def ingest_then_interrupt(*args: Any, **kwargs: Any) -> Any:
        real_ingest(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "ingest", ingest_then_interrupt)
    result = runner.invoke(app, [command, str(seeds_dir), "--db", db])
    assert result.exit_code == 130
    assert "Traceback" not in result.output
    assert "interrupted" in result.output and "5 articles stored, 0 of them annotated" in result.output
    assert "Run the same command again to resume" in result.output
    monkeypatch.setattr(pipeline, "ingest", real_ingest)
    result = runner.invoke(app, ["ingest", str(seeds_dir), "--db", db])
    assert result.exit_code == 0 and "5 duplicate" in result.output  # what was kept is not read again


def test_fate_table_prints_names_as_written(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave import cli
    from newsweave.models import InputFate

    monkeypatch.setattr(cli.console, "width", 400)
    fates = [InputFate("urn:x:1", "stored", "", "a1"), InputFate("[bold]name[/bold] :smile:.txt", "skipped", "[red]x"),
             InputFate("nul\x00and\x1b[31mescape\udcff.txt", "skipped", "bad\x07 reason"),
             InputFate("zzz-last.txt", "duplicate", "already stored as a1", "a1")]
    cli.print_fates(fates)
    out = capsys.readouterr().out
    assert "urn:x:1" in out and "❌" not in out
    assert "[bold]name[/bold] :smile:.txt" in out and "😄" not in out and "[red]x" in out
    assert "nuland[31mescape\ufffd.txt" in out and "bad reason" in out
    assert not any(ch in out for ch in "\x00\x1b\x07")
    rows = [line for line in out.splitlines() if ".txt" in line or "urn:" in line]
    assert [r.split("│")[1].strip()[:3] for r in rows] == ["urn", "[bo", "nul", "zzz"]  # the order given


# ---------------------------------------------------------------------------
# questions answered through the typed tables: a person's quotes under every spelling,
# the stories that mention an entity in a window, events in a date range, discrepancies
# ---------------------------------------------------------------------------
SILVA = "ent_22ebca4fb500a63f"  # Jose Luis Silva in the demo store (spelled "Salva" by one article)


@pytest.fixture(scope="module")
def demo_db(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus analysed once for the tests below (they only read it)."""
    path = tmp_path_factory.mktemp("typed") / "demo.db"
    result = runner.invoke(app, ["analyze", str(seeds_dir), "--db", f"sqlite:///{path}", "--quiet"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture()
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wrapping: one table row per line, messages on one line."""
    from newsweave import cli

    monkeypatch.setattr(cli.console, "width", 400)
    monkeypatch.setattr(cli.err_console, "width", 400)


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _first_cells(output: str) -> list[str]:
    """The first cell of each body row of the table in ``output`` (not a multi-line cell's next lines)."""
    cells = [line.split("│")[1].strip() for line in output.splitlines() if line.startswith("│")]
    return [c for c in cells if c]


def _quotes(output: str) -> list[str]:
    return [line for line in output.splitlines() if line and not line.startswith((" ", "Quotes by"))][:-1]


@pytest.mark.usefixtures("wide")
def test_quotes_by_speaker_under_every_spelling(demo_db: Path) -> None:
    from newsweave.store import Store

    with Store(_url(demo_db)) as store:
        assert [e["id"] for e in store.entities_named("Salva")] == [SILVA]
        expected = store.quotes_by_speaker(SILVA)
    assert expected
    seen = []
    for name in ("Silva", "Salva", "jose luis SALVA", "Jose Luis Silva", SILVA):
        result = runner.invoke(app, ["quotes", "--db", _url(demo_db), "--speaker", name])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Quotes by Jose Luis Silva (person, {SILVA})"), result.output
        assert "mistreat your people" in result.output
        assert f"{len(expected)} statements" in result.output
        seen.append(_quotes(result.output))
    assert all(s == seen[0] for s in seen) and len(seen[0]) == len(expected)
    assert all(q.startswith("Jose Luis Silva: ") for q in seen[0])
    result = runner.invoke(app, ["quotes", "--db", _url(demo_db), "--speaker", "Salva"])
    assert "[speaker written “Jose Luis Salva”]" in result.output  # the article's own spelling is shown
    variants = [line for line in result.output.splitlines() if line.startswith("   ")]
    assert variants and all(re.match(r"   \d{3}_[0-9a-f]+ \d+-\d+: ", v) for v in variants)  # article and span
    result = runner.invoke(app, ["quotes", "--db", _url(demo_db), "--speaker", "Salva", "--story", "e1"])
    assert result.exit_code == 0 and "in story e1" in result.output and "mistreat your people" in result.output


@pytest.mark.usefixtures("wide")
def test_unknown_and_ambiguous_names_are_said_not_guessed(demo_db: Path, tmp_path: Path) -> None:
    import shutil

    from newsweave.store import Store

    for args in (["quotes", "--speaker", "Nobody Atall"], ["stories", "--entity", "Nobody Atall"],
                 ["events", "--entity", "Nobody Atall"], ["discrepancies", "--entity", "Nobody Atall"]):
        result = runner.invoke(app, [*args, "--db", _url(demo_db)])
        assert result.exit_code == 1, result.output
        assert "no entity is named 'Nobody Atall' under any spelling" in result.output
        assert "Traceback" not in result.output
    db = tmp_path / "two.db"
    shutil.copy(demo_db, db)
    other = {"id": "ent_00000000000000aa", "name": "Silva Group", "kind": "organization",
             "variants": [{"text": "Silva", "article_ids": [], "flags": [], "evidence": []}], "article_ids": []}
    with Store(_url(db)) as store:
        store.replace_records("entity", [(other["id"], other, [])], scope="test")
    result = runner.invoke(app, ["quotes", "--db", _url(db), "--speaker", "SILVA"])
    assert result.exit_code == 1, result.output
    assert "'SILVA' names 2 entities; give one by its id (--speaker ID):" in result.output
    assert f"person  Jose Luis Silva  {SILVA}" in result.output
    assert "organization  Silva Group  ent_00000000000000aa" in result.output
    assert "“" not in result.output  # no quote listed for a guess
    result = runner.invoke(app, ["stories", "--db", _url(db), "--entity", "silva"])
    assert result.exit_code == 1 and "names 2 entities" in result.output and "(--entity ID)" in result.output
    result = runner.invoke(app, ["quotes", "--db", _url(db), "--speaker", SILVA])  # the id settles it
    assert result.exit_code == 0 and "mistreat your people" in result.output
    result = runner.invoke(app, ["quotes", "--db", _url(db), "--speaker", "Salva"])  # only one entity is so spelled
    assert result.exit_code == 0 and "mistreat your people" in result.output


@pytest.mark.usefixtures("wide")
def test_stories_that_mention_an_entity_in_a_window(demo_db: Path) -> None:
    db = _url(demo_db)
    result = runner.invoke(app, ["stories", "--db", db, "--entity", "guaido"])
    assert result.exit_code == 0, result.output
    assert "Stories that mention Juan Guaidó (person" in result.output
    assert sorted(_first_cells(result.output)) == ["e1", "s2"]
    assert re.search(r"\d{3}_[0-9a-f]+ \d+-\d+, \d+-\d+", result.output)  # the mentions, cited
    assert "2 stories mention Juan Guaidó" in result.output
    result = runner.invoke(app, ["stories", "--db", db, "--entity", "Guaidó", "--since", "2019-01-27",
                                 "--until", "2019-01-27"])
    assert result.exit_code == 0 and sorted(_first_cells(result.output)) == ["e1", "s2"]
    for window in (["--since", "2019-01-28"], ["--until", "2019-01-26"], ["--since", "2019-02"],
                   ["--since", "2018", "--until", "2018"]):  # the demo's articles are of 2019-01-27
        result = runner.invoke(app, ["stories", "--db", db, "--entity", "Guaidó", *window])
        assert result.exit_code == 0, result.output
        assert _first_cells(result.output) == [], (window, result.output)
        assert "no stories mention Juan Guaidó" in result.output
    result = runner.invoke(app, ["stories", "--db", db, "--until", "2019-01-26"])  # a window without entity
    assert result.exit_code == 0 and _first_cells(result.output) == [] and "no stories in the window" in result.output
    result = runner.invoke(app, ["stories", "--db", db])  # as before: every story, no count line
    assert sorted(_first_cells(result.output)) == ["e1", "s2"] and "stories" not in result.output.splitlines()[-1]


@pytest.mark.usefixtures("wide")
def test_events_in_a_date_range(demo_db: Path) -> None:
    from newsweave.store import Store

    db = _url(demo_db)
    with Store(db) as store:
        every = [e["date"] for e in store.events_between()]
    assert "2019-01-26" in every and {"2019-01-27", "2013"} <= set(every)  # the range has neighbours to leave out
    result = runner.invoke(app, ["events", "--db", db, "--from", "2019-01-26", "--to", "2019-01-26"])
    assert result.exit_code == 0, result.output
    dates = _first_cells(result.output)
    assert dates == ["2019-01-26"] * every.count("2019-01-26")
    rows = [line for line in result.output.splitlines() if line.startswith("│ 2019")]
    assert all(re.search(r"│ \d{3}_[0-9a-f]+ \d+-\d+\S* *│$", row) for row in rows), rows  # evidence span
    assert "REJECT" in result.output and "defect" in result.output
    assert f"{len(dates)} dated events from 2019-01-26 to 2019-01-26 (undated events are in no range)" \
        in result.output
    result = runner.invoke(app, ["events", "--db", db, "--from", "2019-01"])  # a month: from its first day
    assert result.exit_code == 0 and "2013" not in _first_cells(result.output)
    assert set(_first_cells(result.output)) >= {"2019-01-26", "2019-01-27"}
    result = runner.invoke(app, ["events", "--db", db, "--from", "2019-01-27", "--to", "2019-01-27"])
    assert result.exit_code == 0 and set(_first_cells(result.output)) == {"2019-01-27"}
    result = runner.invoke(app, ["events", "--db", db, "--from", "2020-01-01"])
    assert result.exit_code == 0 and _first_cells(result.output) == [] and "no dated events" in result.output
    result = runner.invoke(app, ["events", "--db", db, "--from", "2019-01-27", "--to", "2019-01-27",
                                 "--entity", "Salva", "--story", "e1"])
    assert result.exit_code == 0 and "in story e1 of Jose Luis Silva (person" in result.output
    assert _first_cells(result.output) == ["2019-01-27"] and "Colonel Jose Luis Silva support" in result.output
    result = runner.invoke(app, ["events", "--db", db, "--from", "2019-01-26", "--to", "2019-01-26",
                                 "--entity", "Salva"])
    assert result.exit_code == 0 and _first_cells(result.output) == []
    result = runner.invoke(app, ["events", "--help"])
    assert "Undated events (no date in the text; dated only by the article's publication) are in no range" \
        in " ".join(result.output.split())


@pytest.mark.parametrize("args", [["events", "--from", "2019-02-30"], ["events", "--to", "26/01/2019"],
                                  ["stories", "--since", "yesterday"], ["stories", "--until", "2019-13"]])
def test_bad_date_is_a_clear_usage_error(args: list[str], demo_db: Path) -> None:
    result = runner.invoke(app, [*args, "--db", _url(demo_db)])
    assert result.exit_code == 2, result.output
    assert "is not a date: write YYYY-MM-DD" in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_reversed_window_is_a_usage_error(demo_db: Path) -> None:
    result = runner.invoke(app, ["events", "--db", _url(demo_db), "--from", "2019-02-01", "--to", "2019-01"])
    assert result.exit_code == 2 and "--from 2019-02-01 is after --to 2019-01-31" in " ".join(result.output.split())
    result = runner.invoke(app, ["stories", "--db", _url(demo_db), "--since", "2019-02-01", "--until", "2019-01-31"])
    assert result.exit_code == 2 and "--since 2019-02-01 is after --until" in " ".join(result.output.split())


@pytest.mark.usefixtures("wide")
def test_discrepancies_of_a_story_and_about_an_entity(demo_db: Path) -> None:
    db = _url(demo_db)
    every = runner.invoke(app, ["discrepancies", "--db", db])
    assert every.exit_code == 0 and "4 discrepancies" in every.output
    result = runner.invoke(app, ["discrepancies", "--db", db, "--story", "e1"])
    assert result.exit_code == 0 and result.output == every.output  # the demo's one event holds them all
    result = runner.invoke(app, ["discrepancies", "--db", db, "--entity", "guaidó"])
    assert result.exit_code == 0, result.output
    assert "spells Juan Guaidó as \"Guadio\"" in result.output and "1 discrepancy" in result.output
    assert "[002_0e5ef21453e21463 392-398]" in result.output  # each value with its evidence
    result = runner.invoke(app, ["discrepancies", "--db", db, "--entity", "Salva", "--story", "s2"])
    assert result.exit_code == 0 and "leading ambassador" in result.output and "Guadio" not in result.output
    result = runner.invoke(app, ["discrepancies", "--db", db, "--story", "zz"])
    assert result.exit_code == 1 and "no single story matches 'zz'" in result.output
