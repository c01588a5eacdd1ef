"""Benchmark: PLOVER event typing and actor/target extraction on the PLOVER gold-standard records.

Each record is one sentence coded with one event; we annotate it, extract events and take
:func:`newsweave.events.extract.main_event` as the sentence's event. Scores: event-type accuracy (a sentence
with no predicted event counts as wrong), accuracy on the sentences where we predict an event,
actor / target accuracy where the gold has them (a predicted span matches when it contains, or is
contained in, one of the gold actor texts, case-insensitively), and the confusion between types.
Baseline: the majority type. (score.py has no event task; the scoring is here.)

Records are used for what they carry: a record without ``event`` but with a CAMEO code (``cameo_code``
or ``cameo``) gets its PLOVER type from the folder's ``cameo2plover.tsv`` when there is one; a record
without ``source_actor`` / ``target_actor`` is left out of the actor / target accuracy only. Records with
no text, or with neither a type nor any actor, are counted and named on stderr; the run fails when none
can be scored.

Usage:
    python bench/bench_events.py --data ../shared/data/plover_gsr --out /tmp/events_bench
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any

from _common import data_dir, die, keep_usable, read_jsonl
from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.events.extract import events_for_article, main_event
from newsweave.models import AnnotatedArticle, Article


def _actors(raw: Any) -> list[dict[str, Any]]:
    """Gold actor list (a few records hold a bare string)."""
    if isinstance(raw, str):
        return [{"actorText": raw}] if raw else []
    return [g for g in raw or [] if isinstance(g, dict)]


def _match(pred: str | None, gold: list[dict[str, Any]]) -> bool:
    """Does a predicted role text match one of the gold actor texts?"""
    if not pred:
        return False
    p = pred.lower()
    return any(g.get("actorText") and (g["actorText"].lower() in p or p in g["actorText"].lower()) for g in gold)


CAMEO_KEYS = ("cameo_code", "cameo")
#: the PLOVER gold-standard records' older types -> the current PLOVER types that newsweave emits
#: (cameo2plover.tsv: CAMEO roots 11 and 09 are ACCUSE, 10 is REQUEST, 19 is ASSAULT)
CURRENT_TYPE = {"DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "DEMAND": "REQUEST", "FIGHT": "ASSAULT"}


def cameo_table(path: Path) -> dict[str, str]:
    """CAMEO code -> PLOVER event from ``cameo2plover.tsv`` (codes mapping to several events are left out)."""
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        return {}
    head = lines[0].split("\t")
    if "cameo_code" not in head or "plover_event" not in head:
        die(f"{path}: expected columns cameo_code and plover_event, got {head}")
    code_i, ev_i = head.index("cameo_code"), head.index("plover_event")
    out = {}
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) > max(code_i, ev_i) and cols[ev_i].strip() and ";" not in cols[ev_i]:
            out[cols[code_i].strip()] = cols[ev_i].strip()
    return out


def gold_type(r: dict[str, Any], table: dict[str, str]) -> str | None:
    """The record's PLOVER type in current labels (:data:`CURRENT_TYPE`): ``event``, else its CAMEO code mapped
    (longest known prefix of the code)."""
    if r.get("event"):
        return CURRENT_TYPE.get(str(r["event"]), str(r["event"]))
    code = next((str(r[k]).strip() for k in CAMEO_KEYS if r.get(k) is not None), "")
    while code:
        if code in table:
            return CURRENT_TYPE.get(table[code], table[code])
        code = code[:-1]
    return None


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    data = data_dir(args.data, ["sentences.jsonl"])
    table = cameo_table(data / "cameo2plover.tsv")
    rows = read_jsonl(data / "sentences.jsonl")
    for r in rows:
        r["event"] = gold_type(r, table)
        r["source_actor"], r["target_actor"] = _actors(r.get("source_actor")), _actors(r.get("target_actor"))

    def why_not(r: dict[str, Any]) -> str | None:
        if r.get("id") is None or not isinstance(r.get("text"), str) or not r["text"].strip():
            return "without id or text"
        if r["event"] is None and not r["source_actor"] and not r["target_actor"]:
            return "with no event type (nor a CAMEO code cameo2plover.tsv maps) and no actors"
        return None

    rows = keep_usable(rows, why_not, "records", data / "sentences.jsonl")
    args.out.mkdir(parents=True, exist_ok=True)
    arts = [Article(id=r["id"], text=r["text"], input=r["id"], language="en") for r in rows]
    anns = list(annotate(arts, load_nlp()))
    preds = []
    for r, a, n in zip(rows, arts, anns, strict=True):
        evs = events_for_article(AnnotatedArticle(a, n))
        ev = main_event(evs, 0, len(a.text))
        preds.append({"id": r["id"], "gold": r["event"], "pred": ev.type if ev else None,
                      "mode": ev.mode if ev else None, "trigger": ev.trigger_text if ev else None,
                      "actor": ev.actor_text if ev else None, "target": ev.target_text if ev else None,
                      "polarity": ev.polarity if ev else None, "modality": ev.modality if ev else None,
                      "gold_actor": [g.get("actorText") for g in r["source_actor"]],
                      "gold_target": [g.get("actorText") for g in r["target_actor"]],
                      "actor_ok": _match(ev.actor_text if ev else None, r["source_actor"]),
                      "target_ok": _match(ev.target_text if ev else None, r["target_actor"])})
    (args.out / "pred_events.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    typed = [p for p in preds if p["gold"] is not None]
    n_typed = len(typed)
    covered = [p for p in typed if p["pred"]]
    with_actor = [p for p, r in zip(preds, rows, strict=True) if r["source_actor"]]
    with_target = [p for p, r in zip(preds, rows, strict=True) if r["target_actor"]]
    conf: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for p in typed:
        conf[p["gold"]][p["pred"] or "(none)"] += 1
    per_type = {g: {"n": sum(c.values()), "acc": c[g] / sum(c.values()),
                    "top_confusions": [(k, v) for k, v in c.most_common(4) if k != g][:3]}
                for g, c in sorted(conf.items())}

    def share(ok: int, of: int) -> float | None:
        """A rate, or None (not 0) when nothing of that kind was scored."""
        return ok / of if of else None

    majority = collections.Counter(p["gold"] for p in typed).most_common(1)
    res = {
        "n": n_typed, "n_records": len(preds),
        "type_accuracy": share(sum(p["pred"] == p["gold"] for p in typed), n_typed),
        "coverage": share(len(covered), n_typed),
        "type_accuracy_when_predicted": share(sum(p["pred"] == p["gold"] for p in covered), len(covered)),
        "majority_baseline": {"type": majority[0][0], "accuracy": majority[0][1] / n_typed} if majority else None,
        "actor_accuracy": share(sum(p["actor_ok"] for p in with_actor), len(with_actor)),
        "n_with_actor": len(with_actor),
        "target_accuracy": share(sum(p["target_ok"] for p in with_target), len(with_target)),
        "n_with_target": len(with_target),
        "per_type": per_type,
    }
    (args.out / "summary.json").write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k != "per_type"}, indent=1))
    print(f"{'gold type':<12} {'n':>3} {'acc':>5}  top confusions")
    for g, d in per_type.items():
        print(f"{g:<12} {d['n']:>3} {d['acc']:5.2f}  {d['top_confusions']}")


if __name__ == "__main__":
    main()
