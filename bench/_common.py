"""Rules every quality bench follows, in one place, so that a bench cannot report numbers it did not measure.

* Data: any folder in the format of ``../shared/data/README.md``; only ``--data`` changes. Files are read
  with :func:`read_jsonl` / :func:`read_json` (a missing file or a bad line ends the run with its path and
  line); records a bench cannot use are counted and named by :func:`keep_usable`, and a run where none is
  usable stops.
* Scorer: ``../shared/eval`` from the project root (the parent of ``bench/``), whatever the data folder;
  ``--eval DIR`` or the ``NEWSWEAVE_EVAL`` environment variable override it (:func:`find_scorer`).
* Splits: a bench scores the split the folder has; asking for one it lacks is an error naming those
  present (:func:`choose_split`).
* Nothing scored: 0 documents, empty gold or a NaN metric ends the run with a non-zero exit and the reason
  (:func:`check_scored`, :func:`check_finite`).

Every failure goes through :func:`die`: one line ``<bench>: error: <reason>`` on stderr, exit status 2.
The benches run as scripts (``python bench/bench_x.py``), so they import this module as ``_common``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
#: The shared scorers, relative to the project root (not to the data folder).
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
EVAL_ENV = "NEWSWEAVE_EVAL"
EXIT_FAILED = 2
ALL = "all"


class BenchFailure(SystemExit):
    """Raised by :func:`die`: the bench stops with a non-zero status and one line saying why."""


def _prog() -> str:
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "bench"


def die(msg: str) -> NoReturn:
    """Print ``<bench>: error: msg`` on stderr and exit with status 2."""
    print(f"{_prog()}: error: {msg}", file=sys.stderr, flush=True)
    raise BenchFailure(EXIT_FAILED)


def note(msg: str) -> None:
    """A line on stderr that the reader should see (records left out, split chosen, peers skipped)."""
    print(f"{_prog()}: {msg}", file=sys.stderr, flush=True)


def add_eval_arg(ap: argparse.ArgumentParser) -> None:
    """The ``--eval DIR`` option (folder of the shared ``score.py``)."""
    ap.add_argument("--eval", type=Path, default=None, metavar="DIR",
                    help=f"folder holding the shared score.py (default: ${EVAL_ENV}, else {DEFAULT_EVAL})")


def find_scorer(eval_dir: Path | None = None) -> Path:
    """The shared ``score.py``: from ``--eval``, else ``$NEWSWEAVE_EVAL``, else ``../shared/eval`` of the project."""
    if eval_dir is not None:
        where, how = eval_dir, "--eval"
    elif os.environ.get(EVAL_ENV):
        where, how = Path(os.environ[EVAL_ENV]), f"${EVAL_ENV}"
    else:
        where, how = DEFAULT_EVAL, "the project's ../shared/eval"
    scorer = where.expanduser().resolve() / "score.py"
    if not scorer.is_file():
        die(f"scorer not found: no score.py in {where} (from {how}); pass --eval DIR or set {EVAL_ENV}")
    return scorer


def run_scorer(scorer: Path, task: str, gold: Path, pred: Path, *extra: str) -> dict[str, Any]:
    """Run ``score.py <task>`` and return its JSON; a scorer failure ends the bench with the scorer's message."""
    cmd = [sys.executable, str(scorer), task, "--gold", str(gold), "--pred", str(pred), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        die(f"score.py {task} failed (exit {proc.returncode}) on gold {gold}: {proc.stderr.strip()[-800:]}")
    try:
        res: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        die(f"score.py {task} printed no JSON: {proc.stdout.strip()[-300:]!r}")
    return res


def data_dir(path: Path, needs: Iterable[str]) -> Path:
    """The data folder (resolved), after checking it exists and holds every file in ``needs``."""
    if not path.is_dir():
        die(f"--data {path}: not a folder")
    missing = [n for n in needs if not (path / n).is_file()]
    if missing:
        have = sorted(p.name for p in path.iterdir())
        die(f"--data {path}: missing {', '.join(missing)} (this bench needs them; the folder has: "
            f"{', '.join(have) or 'nothing'})")
    return path.resolve()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines file (blank lines skipped); a missing file or bad line ends the run."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        die(f"{path}: missing")
    except (OSError, UnicodeDecodeError) as exc:
        die(f"{path}: cannot read ({exc})")
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            die(f"{path} line {n}: invalid JSON ({exc.msg})")
        if not isinstance(obj, dict):
            die(f"{path} line {n}: expected a JSON object, got {type(obj).__name__}")
        rows.append(obj)
    return rows


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows as JSON Lines (UTF-8, non-ASCII kept)."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def read_json(path: Path) -> Any:
    """A JSON file's value; a missing or malformed file ends the run."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        die(f"{path}: missing")
    except (OSError, UnicodeDecodeError) as exc:
        die(f"{path}: cannot read ({exc})")
    except json.JSONDecodeError as exc:
        die(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})")


def lacks(*keys: str) -> Callable[[Mapping[str, Any]], str | None]:
    """A :func:`keep_usable` test: the first of ``keys`` that is missing or null, as a reason."""

    def test(rec: Mapping[str, Any]) -> str | None:
        for k in keys:
            if rec.get(k) is None:
                return f"no {k!r}"
        return None

    return test


def keep_usable(rows: list[dict[str, Any]], why_not: Callable[[dict[str, Any]], str | None], what: str,
                source: Path | str) -> list[dict[str, Any]]:
    """The records ``why_not`` accepts (returns ``None`` for); the others are counted by reason on stderr.

    Ends the run when there were no records or none is usable.
    """
    keep: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    for r in rows:
        reason = why_not(r)
        if reason is None:
            keep.append(r)
        else:
            reasons[reason] += 1
    detail = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    if not rows:
        die(f"{source}: no {what} to score")
    if not keep:
        die(f"{source}: none of the {len(rows)} {what} can be used ({detail})")
    if reasons:
        note(f"{sum(reasons.values())} of {len(rows)} {what} in {source} not used ({detail})")
    return keep


def article_problem(rec: Mapping[str, Any]) -> str | None:
    """Why an ``articles.jsonl`` record cannot be used (no id, or no text), or ``None``."""
    if rec.get("id") is None:
        return "without an id"
    if not isinstance(rec.get("text"), str):
        return "without a text"
    return None


def read_articles(data: Path, name: str = "articles.jsonl") -> list[dict[str, Any]]:
    """The usable records of ``data/articles.jsonl`` (ids as strings); the others are counted on stderr."""
    rows = keep_usable(read_jsonl(data / name), article_problem, "articles", data / name)
    for r in rows:
        r["id"] = str(r["id"])
    return rows


def choose_split(present: Iterable[str | None], requested: str | None, preferred: str | None,
                 what: str) -> str:
    """The split to score: ``requested`` (which must be present, or ``all``), else ``preferred`` when the
    folder has it, else ``all`` (every split present). Records without a split count only under ``all``."""
    names = sorted({p for p in present if p})
    if requested is not None:
        if requested == ALL or requested in names:
            return requested
        die(f"--split {requested}: no such {what} in this folder; present: "
            f"{', '.join(names) if names else 'none (records carry no split)'}, or 'all'")
    if preferred is not None and preferred in names:
        return preferred
    if preferred is not None:
        note(f"no '{preferred}' {what} in this folder (present: {', '.join(names) or 'none'}); scoring all of it")
    return ALL


def check_scored(n: int, what: str) -> None:
    """End the run when nothing was scored."""
    if n <= 0:
        die(f"scored nothing: 0 {what}")


def check_stages(stages: Mapping[str, str]) -> None:
    """End the run when a pipeline stage failed (its numbers would be another pipeline's)."""
    bad = {name: said for name, said in stages.items() if said.startswith("FAILED")}
    if bad:
        die("pipeline stage(s) failed, results not representative: "
            + "; ".join(f"{name}: {said}" for name, said in bad.items()))


def check_finite(metrics: Any, where: str = "results") -> None:
    """End the run when a metric is NaN or infinite (walks dicts and lists)."""
    if isinstance(metrics, float) and not math.isfinite(metrics):
        die(f"scored nothing: {where} is {metrics}")
    if isinstance(metrics, Mapping):
        for k, v in metrics.items():
            check_finite(v, f"{where}.{k}")
    elif isinstance(metrics, list | tuple):
        for i, v in enumerate(metrics):
            check_finite(v, f"{where}[{i}]")
