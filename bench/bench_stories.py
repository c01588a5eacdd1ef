"""Story (event) clustering on any labelled folder: newsweave's online clusterer against a fixed baseline.

Works on any folder with ``articles.jsonl`` and ``gold_stories.json`` (``{article id: event label}``,
see ``../shared/data/README.md``). All articles are clustered together in one stream (the system is
not told the events); arrival order: dated articles in date order, undated ones at random positions
(``--orders`` seeds, mean and spread reported). Scored with the shared ``score.py clustering``
(B-cubed and pairwise), found from the project root (``bench/_common.py``).

Systems, all in the same run:

* **leave one corpus out** (the default when ``--data`` is one of the dev corpora with gold events,
  ``DEV_CORPORA`` under ``../shared/data``): the join model, time window, thresholds and consolidation
  settings are fitted on the *other* dev corpora only (their arrival order 0), never on the folder scored;
* **shipped**: the packaged model (``src/newsweave/data/stories_model.json``) applied without refitting
  (``--shipped`` runs only this and the baseline; the default for a folder that is not a dev corpus).
  Where the shipped model was fitted on the scored folder, its numbers are in-sample and labelled so;
* **fixed baseline**: TF-IDF (scikit-learn, English stop words, sublinear tf, fitted on the folder's
  texts) single link between articles at most 4 days apart with cosine >= 0.2; an undated article
  links on text alone (no window). Not tuned on any corpus.

ECB+ (event labels ``<topic>_ecb`` / ``<topic>_ecbplus``): its ``ecbplus`` files' first line (the page
URL) is removed from the text for every system, and storylines are also scored against the topic.

``--write-model PATH`` fits the model on all dev corpora together (one stream, arrival order 0) and
writes it (the packaged model is written this way); that model's numbers on a dev corpus are in-sample.

Usage: python bench/bench_stories.py --data ../shared/data/newscluster [--out /tmp/stories] [--orders 3]
       [--shipped] [--write-model src/newsweave/data/stories_model.json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from _common import ROOT, check_finite, check_scored, data_dir, die, find_scorer, read_articles, read_json, run_scorer
from newsweave.models import AnnotatedArticle, Annotation, Article
from newsweave.stories.cluster import StoryFeatures, StoryModel, load_model, story_features
from newsweave.stories.fit import CONSOLIDATE_EVERY, fit_model, run_stream

#: dev corpora with gold events, under ``../shared/data``: the leave-one-corpus-out protocol's folds
DEV_DATA = ROOT.parent / "shared" / "data"
DEV_CORPORA = ("ecbplus", "newscluster")
_ECB_EVENT = re.compile(r"^(\d+)_ecb(?:plus)?$")
#: the fixed baseline: window (days) and cosine threshold, not tuned
BASELINE_DAYS = 4
BASELINE_COSINE = 0.2


def load(data: Path) -> tuple[list[Article], dict[str, str], dict[str, str]]:
    """Articles (an ECB+ URL first line removed), gold event per article, gold group per event.

    The group is the ECB+ topic for ECB+ event labels, else the event itself (no storyline gold).
    """
    data = data_dir(data, ("articles.jsonl", "gold_stories.json"))
    arts = []
    for r in read_articles(data):
        text = r["text"]
        if r.get("url"):
            first, _, rest = text.partition("\n")
            if first.strip() == r["url"].strip():
                text = rest
        arts.append(
            Article(
                id=r["id"],
                text=text,
                input=str(data),
                title=r.get("title"),
                published=r.get("published"),
                language="en",
                meta=r.get("meta", {}),
            )
        )
    gold = {str(k): str(v) for k, v in dict(read_json(data / "gold_stories.json")).items()}
    ids = {a.id for a in arts}
    gold = {a: g for a, g in gold.items() if a in ids}
    check_scored(len(gold), f"articles of {data / 'articles.jsonl'} with a gold event in gold_stories.json")
    group = {g: (m.group(1) if (m := _ECB_EVENT.match(g)) else g) for g in set(gold.values())}
    return arts, gold, group


def annotations(arts: list[Article], cache: Path) -> dict[str, Annotation]:
    """spaCy annotations, cached in ``cache``."""
    if cache.exists():
        out = {}
        for line in cache.read_text("utf-8").splitlines():
            a = Annotation.from_dict(json.loads(line))
            out[a.article_id] = a
        if set(out) == {a.id for a in arts}:
            return out
    from newsweave.annotate.nlp import annotate, load_nlp

    cache.parent.mkdir(parents=True, exist_ok=True)
    out = {}
    with cache.open("w", encoding="utf-8") as fh:
        for a in annotate(arts, load_nlp()):
            out[a.article_id] = a
            fh.write(json.dumps(a.to_dict()) + "\n")
    return out


def arrival_order(arts: list[Article], seed: int) -> list[int]:
    """Dated articles in date order, undated ones at random positions."""
    rng = random.Random(seed)
    idx = list(range(len(arts)))
    rng.shuffle(idx)
    dated_slots = [k for k, i in enumerate(idx) if arts[i].published]
    dated = sorted((i for i in idx if arts[i].published), key=lambda i: (arts[i].published, arts[i].id))
    for k, i in zip(dated_slots, dated, strict=True):
        idx[k] = i
    return idx


class Corpus:
    """One labelled folder, annotated (cached under ``out``) and turned into clustering features."""

    def __init__(self, data: Path, out: Path) -> None:
        self.data = data.resolve()
        self.name = self.data.name
        self.arts, self.gold, self.group = load(data)
        ann = annotations(self.arts, out / self.name / "annotations.jsonl")
        self.feats = {a.id: story_features(AnnotatedArticle(a, ann.get(a.id))) for a in self.arts}

    def stream(self, seed: int, prefix: str = "") -> list[StoryFeatures]:
        """The features in arrival order ``seed`` (ids prefixed, to mix corpora in one stream)."""
        out = []
        for i in arrival_order(self.arts, seed):
            f = self.feats[self.arts[i].id]
            out.append(f if not prefix else replace(f, article_id=prefix + f.article_id))
        return out


def fit_on(corpora: list[Corpus]) -> StoryModel:
    """The model fitted on these corpora together: one stream, dated articles in date order (seed 0)."""
    arts: list[Article] = []
    feats: dict[str, StoryFeatures] = {}
    gold: dict[str, str] = {}
    group: dict[str, str] = {}
    for c in corpora:
        p = f"{c.name}:" if len(corpora) > 1 else ""
        for a in c.arts:
            if a.id in c.gold:
                arts.append(Article(id=p + a.id, text="", input="", published=a.published, language="en"))
                feats[p + a.id] = replace(c.feats[a.id], article_id=p + a.id)
                gold[p + a.id] = p + c.gold[a.id]
        group.update({p + g: p + v for g, v in c.group.items()})
    stream = [feats[arts[i].id] for i in arrival_order(arts, 0)]
    model = fit_model(stream, gold, group)
    model.meta["trained_on"] = ", ".join(
        f"{c.name} ({sum(1 for a in c.arts if a.id in c.gold)} articles)" for c in corpora
    )
    return model


def fixed_baseline(corpus: Corpus) -> dict[str, str]:
    """TF-IDF single link: cosine >= 0.2 between articles at most 4 days apart (undated: no window)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    arts = corpus.arts
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform([a.text for a in arts])
    sim = (x @ x.T).toarray()
    days = [_published_day(a) for a in arts]
    parent = list(range(len(arts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(arts)):
        for j in np.nonzero(sim[i, i + 1 :] >= BASELINE_COSINE)[0] + i + 1:
            di, dj = days[i], days[int(j)]
            if di is None or dj is None or abs(di - dj) <= BASELINE_DAYS:
                parent[find(i)] = find(int(j))
    return {a.id: f"b{find(i)}" for i, a in enumerate(arts)}


def _published_day(a: Article) -> int | None:
    """Proleptic ordinal of an article's publication date, or ``None``."""
    try:
        return date.fromisoformat(a.published[:10]).toordinal() if a.published else None
    except ValueError:
        return None


def score(scorer: Path, corpus: Corpus, pred: dict[str, Any], path: Path) -> dict[str, Any]:
    """Write predictions (gold articles only) and score them with the shared score.py."""
    rows = [{"id": k, "cluster": v} for k, v in pred.items() if k in corpus.gold]
    check_scored(len(rows), f"predictions for {corpus.name}")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    res = run_scorer(scorer, "clustering", corpus.data, path)
    check_finite(res, "score")
    return res


def evaluate(model: StoryModel, corpus: Corpus, orders: int, scorer: Path, out: Path, tag: str) -> dict[str, Any]:
    """A model's scores on a corpus over ``orders`` arrival orders (consolidation every 100 articles)."""
    metrics = _metrics(scorer)
    runs = []
    for seed in range(orders):
        ev, sl = run_stream(model, corpus.stream(seed))
        s = score(scorer, corpus, ev, out / f"pred_{tag}_{seed}.jsonl")
        s["n_events"] = len(set(ev.values()))
        s["n_storylines"] = len(set(sl.values()))
        if any(_ECB_EVENT.match(g) for g in corpus.gold.values()):
            gold_topic = {a: corpus.group[g] for a, g in corpus.gold.items()}
            s["storyline_vs_topic"] = dict(metrics.bcubed(gold_topic, {a: sl[a] for a in gold_topic}))
        runs.append(s)
    f1 = [r["bcubed"]["f1"] for r in runs]
    return {"runs": runs, "bcubed_f1": f1, "mean": float(np.mean(f1)), "std": float(np.std(f1))}


def _metrics(scorer: Path) -> Any:
    """The shared metrics module next to score.py."""
    if str(scorer.parent) not in sys.path:
        sys.path.insert(0, str(scorer.parent))
    import metrics

    return metrics


def _line(name: str, r: dict[str, Any]) -> str:
    runs = r["runs"]
    p = np.mean([x["bcubed"]["p"] for x in runs])
    rc = np.mean([x["bcubed"]["r"] for x in runs])
    ev = sorted({x["n_events"] for x in runs})
    extra = ""
    if "storyline_vs_topic" in runs[0]:
        extra = f" storyline-vs-topic {np.mean([x['storyline_vs_topic']['f1'] for x in runs]):.3f}"
    return (
        f"{name}: B3 F1 {' '.join(f'{x:.3f}' for x in r['bcubed_f1'])} mean {r['mean']:.4f} (P {p:.3f} R {rc:.3f}; "
        f"pairwise F1 {np.mean([x['pairwise']['f1'] for x in runs]):.3f}; events {ev[0]}-{ev[-1]}){extra}"
    )


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_stories"))
    ap.add_argument("--orders", type=int, default=3, help="random arrival orders (seeds 0..N-1)")
    ap.add_argument("--shipped", action="store_true", help="only the packaged model (and the baseline)")
    ap.add_argument("--write-model", type=Path, default=None, help="fit on all dev corpora and write the model here")
    args = ap.parse_args()
    if args.orders < 1:
        die("--orders must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    scorer = find_scorer()
    t0 = time.time()
    corpus = Corpus(args.data, args.out)
    out = args.out / corpus.name
    dev = [DEV_DATA / n for n in DEV_CORPORA if (DEV_DATA / n).is_dir()]
    is_dev = any(d.resolve() == corpus.data for d in dev)
    print(
        f"{corpus.name}: {len(corpus.arts)} articles, {len(corpus.gold)} with gold, "
        f"{len(set(corpus.gold.values()))} events ({time.time() - t0:.0f}s)",
        flush=True,
    )
    results: dict[str, Any] = {"data": str(corpus.data), "orders": args.orders, "consolidate_every": CONSOLIDATE_EVERY}

    base = fixed_baseline(corpus)
    results["fixed_baseline"] = score(scorer, corpus, base, out / "pred_baseline.jsonl")
    results["fixed_baseline"]["n_events"] = len(set(base.values()))
    b = results["fixed_baseline"]
    print(
        f"fixed baseline (TF-IDF single link, {BASELINE_DAYS}-day window, cosine >= {BASELINE_COSINE}): "
        f"B3 F1 {b['bcubed']['f1']:.4f} (P {b['bcubed']['p']:.3f} R {b['bcubed']['r']:.3f}; "
        f"pairwise F1 {b['pairwise']['f1']:.3f}; events {b['n_events']})",
        flush=True,
    )

    if is_dev and not args.shipped:
        others = [Corpus(d, args.out) for d in dev if d.resolve() != corpus.data]
        t = time.time()
        loco = fit_on(others)
        print(
            f"leave-one-corpus-out model fitted on {loco.meta['trained_on']} ({time.time() - t:.0f}s): "
            f"window {loco.window_days} d, join >= {loco.event_threshold}, split {loco.split_threshold}/"
            f"{loco.split_min_part}, re-place {loco.reassign_threshold}",
            flush=True,
        )
        results["loco"] = {"model": loco.to_dict(), **evaluate(loco, corpus, args.orders, scorer, out, "loco")}
        print(_line("newsweave, model not fitted on this corpus (leave one corpus out)", results["loco"]), flush=True)

    if args.write_model:
        t = time.time()
        model = fit_on([Corpus(d, args.out) for d in dev])
        args.write_model.parent.mkdir(parents=True, exist_ok=True)
        args.write_model.write_text(json.dumps({"model": model.to_dict()}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.write_model} (fitted on {model.meta['trained_on']}, {time.time() - t:.0f}s)", flush=True)

    shipped = load_model()
    trained = str(shipped.meta.get("trained_on", ""))
    label = "in-sample: fitted on this corpus among others" if corpus.name in trained else "not fitted on this corpus"
    results["shipped"] = {
        "trained_on": trained,
        "label": label,
        **evaluate(shipped, corpus, args.orders, scorer, out, "shipped"),
    }
    print(_line(f"newsweave, shipped model ({label})", results["shipped"]), flush=True)

    if not any(math.isfinite(r.get("mean", float("nan"))) for r in results.values() if isinstance(r, dict)):
        die("scored nothing")
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"total {time.time() - t0:.0f}s; results in {out / 'results.json'}")


if __name__ == "__main__":
    main()
