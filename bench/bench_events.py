"""Benchmark: PLOVER event typing and actor/target extraction on the PLOVER gold-standard records.

Each record is one sentence coded with one event; we annotate it, extract events and take
:func:`newsweave.events.main_event` as the sentence's event. Scores: event-type accuracy (a sentence
with no predicted event counts as wrong), accuracy on the sentences where we predict an event,
actor / target accuracy where the gold has them (a predicted span matches when it contains, or is
contained in, one of the gold actor texts, case-insensitively), and the confusion between types.
Baseline: the majority type. (score.py has no event task; the scoring is here.)

Usage:
    python bench/bench_events.py --data ../shared/data/plover_gsr --out /tmp/events_bench
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any

from newsweave.annotate import annotate, load_nlp
from newsweave.events import events_for_article, main_event
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


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(x) for x in (args.data / "sentences.jsonl").read_text(encoding="utf-8").splitlines() if x]
    for r in rows:
        r["source_actor"], r["target_actor"] = _actors(r["source_actor"]), _actors(r["target_actor"])
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
    n = len(preds)
    correct = sum(p["pred"] == p["gold"] for p in preds)
    covered = [p for p in preds if p["pred"]]
    majority, maj_n = collections.Counter(p["gold"] for p in preds).most_common(1)[0]
    with_actor = [p for p, r in zip(preds, rows, strict=True) if r["source_actor"]]
    with_target = [p for p, r in zip(preds, rows, strict=True) if r["target_actor"]]
    conf: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for p in preds:
        conf[p["gold"]][p["pred"] or "(none)"] += 1
    per_type = {g: {"n": sum(c.values()), "acc": c[g] / sum(c.values()),
                    "top_confusions": [(k, v) for k, v in c.most_common(4) if k != g][:3]}
                for g, c in sorted(conf.items())}
    res = {
        "n": n, "type_accuracy": correct / n, "coverage": len(covered) / n,
        "type_accuracy_when_predicted": sum(p["pred"] == p["gold"] for p in covered) / max(1, len(covered)),
        "majority_baseline": {"type": majority, "accuracy": maj_n / n},
        "actor_accuracy": sum(p["actor_ok"] for p in with_actor) / max(1, len(with_actor)),
        "n_with_actor": len(with_actor),
        "target_accuracy": sum(p["target_ok"] for p in with_target) / max(1, len(with_target)),
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
