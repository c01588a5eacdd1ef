"""The command line: every command has help; the demo command works end to end."""

from __future__ import annotations

import json
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
