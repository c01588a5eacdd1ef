"""The command line: every command has help; the demo command works end to end."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_bad_db_url_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["articles", "--db", "nosuchdialect://x"])
    assert result.exit_code == 2
