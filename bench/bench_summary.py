"""Benchmark newsweave.summarize.extractive on NeuS roundups against sumy LexRank and lead baselines.

Each NeuS roundup is one story told by three outlets (headline + lead each) with an
editor-written neutral summary. Every system extracts ``--k`` sentences (default 3,
the gold summaries' mean) from the same spaCy-split article texts:

- ``newsweave``: :func:`newsweave.summarize.summarize_story` (MiniLM sentence vectors);
- ``newsweave-lexical`` (``--encoder lexical`` or ``both``): the same with TF-IDF+LSA vectors fitted per
  story (:mod:`newsweave.summarize.lexical`), same options;
- ``lexrank``: sumy 0.13.0 LexRank, run in its own venv (``--sumy-python``) on the
  same sentences, see bench/sumy_lexrank.py;
- ``lead-per-article``: the first sentence of each article, in input order;
- ``lead-first-article``: the first ``k`` sentences of the first article.

Metrics: ROUGE-1/2/L F1 (rouge-score, Porter stemmer) against the neutral summary,
with a 95% bootstrap interval; redundancy (mean pairwise ROUGE-2 F1 and MiniLM
cosine between the sentences of one summary); citations (share of summary
sentences with at least one verified citation, share of citations verified, share
of sentences citing two or more articles). A citation is verified when the cited
article's text holds a sentence with ROUGE-1 F1 >= 0.4 or MiniLM cosine >= 0.7 to
the summary sentence, and the evidence span reproduces the cited text exactly;
baselines cite the article each sentence was taken from.
``shared/eval/score.py`` has no summarization task, so ROUGE is computed here.

``--split train`` with ``--tune`` grid-searches SummaryOptions on the train
roundups; the reported numbers are on ``--split val`` (never tuned on). Without
``--tune`` the shipped SummaryOptions are applied (``--options`` overrides fields).

A roundup's split is the ``<split>`` of its ``neus-<split>-<n>`` story id. ``--split``
defaults to ``val`` when the folder has it, else every roundup (``all``); asking for a
split the folder lacks is an error naming those present. Roundups without a summary
or whose articles are all missing are counted on stderr and left out; the run fails
when no roundup is left to score.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score import rouge_scorer

from _common import (
    ALL,
    check_finite,
    check_scored,
    choose_split,
    data_dir,
    die,
    keep_usable,
    read_articles,
    read_jsonl,
)
from newsweave.annotate.embeddings import english_encoder
from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.models import AnnotatedArticle, Annotation, Article
from newsweave.summarize.extractive import SummaryOptions, candidate_sentences, summarize_story
from newsweave.summarize.lexical import LexicalEncoder

logger = logging.getLogger("bench_summary")
DEFAULT_SUMY_PYTHON = "/tmp/nw-sumy-venv/bin/python"


class CachedEncoder:
    """Wraps the MiniLM encoder with a text -> vector cache (tuning re-encodes nothing)."""

    def __init__(self) -> None:
        self.inner = english_encoder()
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts, computing only those not seen before."""
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if new:
            for t, v in zip(new, self.inner.encode(new, batch_size=batch_size), strict=True):
                self.cache[t] = v
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])


def split_of(story: str) -> str | None:
    """The split named in a NeuS story id (``neus-<split>-<n>``), if any."""
    m = re.match(r"neus-([A-Za-z]+)-", story)
    return m[1] if m else None


def load(data: Path, split: str | None, limit: int | None) -> tuple[str, list[dict[str, Any]], dict[str, Article]]:
    """The split scored (``split``, or the default for this folder), its gold roundups and their articles."""
    src = data / "gold_summaries.jsonl"
    gold = read_jsonl(src)
    for g in gold:
        g["story"] = str(g["story"]) if g.get("story") is not None else None
    chosen = choose_split((split_of(g["story"]) for g in gold if g["story"]), split, "val", "split")
    if chosen != ALL:
        gold = [g for g in gold if g["story"] and split_of(g["story"]) == chosen]
    rows = {r["id"]: r for r in read_articles(data)}

    def unusable(g: dict[str, Any]) -> str | None:
        if not g["story"] or not isinstance(g.get("summary"), str) or not g["summary"].strip():
            return "without a story id or summary"
        if not any(str(a) in rows for a in g.get("article_ids") or []):
            return "whose articles are not in articles.jsonl"
        return None

    gold = keep_usable(gold, unusable, f"roundups of split '{chosen}'", src)
    gold.sort(key=lambda g: g["story"])
    if limit:
        gold = gold[:limit]
    want = {str(a) for g in gold for a in g["article_ids"]}
    arts: dict[str, Article] = {}
    for r in rows.values():
        if r["id"] in want:
            arts[r["id"]] = Article(
                id=r["id"],
                text=r["text"],
                input=f"neus:{r['id']}",
                title=r.get("title"),
                source=r.get("source"),
                published=r.get("published"),
                language=r.get("language") or "en",
            )
    return chosen, gold, arts


def annotate_all(arts: dict[str, Article], cache: Path | None = None) -> dict[str, AnnotatedArticle]:
    """spaCy-annotate every article once (annotations reused from ``cache`` when given)."""
    anns: dict[str, Annotation] = {}
    if cache is not None and cache.exists():
        for line in cache.open(encoding="utf-8"):
            ann = Annotation.from_dict(json.loads(line))
            anns[ann.article_id] = ann
    todo = [a for a in arts.values() if a.text.strip() and a.id not in anns]
    new = list(annotate(todo, load_nlp(), batch_size=128)) if todo else []
    if cache is not None and new:
        with cache.open("a", encoding="utf-8") as fh:
            for ann in new:
                fh.write(json.dumps(ann.to_dict()) + "\n")
    anns.update((a.article_id, a) for a in new)
    return {i: AnnotatedArticle(a, anns.get(i)) for i, a in arts.items()}


def run_newsweave(
    stories: list[tuple[str, list[AnnotatedArticle]]], k: int, opts: SummaryOptions,
    enc: CachedEncoder | LexicalEncoder,
) -> dict[str, list[dict[str, Any]]]:
    """Our summaries: per story, sentences with citations."""
    out = {}
    for sid, docs in stories:
        summ = summarize_story(docs, max_sentences=k, options=opts, encoder=enc, story_id=sid)
        out[sid] = [s.to_dict() for s in summ]
    return out


def _sent(c: Any) -> dict[str, Any]:
    """A baseline sentence citing the article it was taken from."""
    ev = {"article_id": c.article_id, "start": c.span.start, "end": c.span.end, "text": c.text}
    return {"text": c.text, "article_ids": [c.article_id], "evidence": [ev]}


def run_lead(stories: list[tuple[str, list[AnnotatedArticle]]], k: int) -> dict[str, dict[str, list[Any]]]:
    """Both lead baselines on spaCy's raw sentences."""
    per_article: dict[str, list[Any]] = {}
    first_article: dict[str, list[Any]] = {}
    for sid, docs in stories:
        cands = candidate_sentences(docs, keep_furniture=True)
        firsts = [next(c for c in cands if c.article_id == a) for a in dict.fromkeys(c.article_id for c in cands)]
        per_article[sid] = [_sent(c) for c in firsts[:k]]
        first_id = cands[0].article_id if cands else None
        first_article[sid] = [_sent(c) for c in cands if c.article_id == first_id][:k]
    return {"lead-per-article": per_article, "lead-first-article": first_article}


def run_lexrank(
    stories: list[tuple[str, list[AnnotatedArticle]]], k: int, sumy_python: str
) -> dict[str, list[dict[str, Any]]]:
    """sumy LexRank in its own interpreter, on the same sentences."""
    cand_map = {sid: candidate_sentences(docs, keep_furniture=True) for sid, docs in stories}
    payload = "".join(
        json.dumps({"id": sid, "sentences": [c.text for c in cands], "k": k}) + "\n"
        for sid, cands in cand_map.items()
    )
    runner = Path(__file__).with_name("sumy_lexrank.py")
    proc = subprocess.run(
        [sumy_python, str(runner)], input=payload, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"sumy LexRank failed (python {sumy_python}):\n{proc.stderr[-3000:]}")
    out = {}
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        out[rec["id"]] = [_sent(cand_map[rec["id"]][i]) for i in rec["selected"]]
    return out


def _bootstrap(values: np.ndarray, seed: int = 13, n: int = 1000) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean."""
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(n, len(values)), replace=True).mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def evaluate(
    preds: dict[str, list[dict[str, Any]]],
    gold: list[dict[str, Any]],
    docs: dict[str, AnnotatedArticle],
    enc: CachedEncoder,
    scorer: rouge_scorer.RougeScorer,
    full: bool = True,
) -> dict[str, Any]:
    """ROUGE, redundancy and citation metrics of one system."""
    r: dict[str, list[float]] = {"rouge1": [], "rouge2": [], "rougeL": []}
    red_r2: list[float] = []
    red_cos: list[float] = []
    n_sent = n_cov = n_multi = n_cit = n_ver = 0
    words: list[int] = []
    for g in gold:
        sents = preds.get(g["story"], [])
        text = " ".join(s["text"] for s in sents)
        words.append(len(text.split()))
        sc = scorer.score(g["summary"], text)
        for key in r:
            r[key].append(sc[key].fmeasure)
        if not full:
            continue
        if len(sents) >= 2:
            pairs = list(itertools.combinations([s["text"] for s in sents], 2))
            red_r2.append(float(np.mean([scorer.score(a, b)["rouge2"].fmeasure for a, b in pairs])))
            vec = enc.encode([s["text"] for s in sents])
            cos = vec @ vec.T
            iu = np.triu_indices(len(sents), 1)
            red_cos.append(float(cos[iu].mean()))
        for s in sents:
            n_sent += 1
            verified = 0
            for ev in s.get("evidence", []):
                n_cit += 1
                if _verified(s["text"], ev, docs, enc, scorer):
                    verified += 1
            n_ver += verified
            n_cov += verified > 0
            n_multi += len(s["article_ids"]) >= 2
    res: dict[str, Any] = {"stories": len(gold), "mean_words": float(np.mean(words)) if words else 0.0}
    for key, vals in r.items():
        arr = np.array(vals)
        res[key] = {"f1": float(arr.mean()) if len(arr) else float("nan"), "ci95": _bootstrap(arr)}
    if full:
        res["redundancy"] = {
            "pairwise_rouge2_f1": float(np.mean(red_r2)) if red_r2 else 0.0,
            "pairwise_cosine": float(np.mean(red_cos)) if red_cos else 0.0,
        }
        res["citations"] = {
            "sentences": n_sent,
            "coverage": n_cov / n_sent if n_sent else 0.0,
            "citations_verified": n_ver / n_cit if n_cit else 0.0,
            "citations_per_sentence": n_cit / n_sent if n_sent else 0.0,
            "multi_source_sentences": n_multi / n_sent if n_sent else 0.0,
        }
    return res


def _verified(
    text: str,
    ev: dict[str, Any],
    docs: dict[str, AnnotatedArticle],
    enc: CachedEncoder,
    scorer: rouge_scorer.RougeScorer,
) -> bool:
    """Whether the cited article supports ``text`` (independent of the summarizer's own test)."""
    doc = docs.get(ev["article_id"])
    if doc is None or doc.article.text[ev["start"] : ev["end"]] != ev.get("text", ""):
        return False
    sents = [c.text for c in candidate_sentences([doc], keep_furniture=True)]
    if not sents:
        return False
    if max(scorer.score(text, s)["rouge1"].fmeasure for s in sents) >= 0.4:
        return True
    vec = enc.encode([text, *sents])
    return bool((vec[1:] @ vec[0]).max() >= 0.7)


def tune(
    stories: list[tuple[str, list[AnnotatedArticle]]],
    gold: list[dict[str, Any]],
    docs: dict[str, AnnotatedArticle],
    k: int,
    enc: CachedEncoder,
    scorer: rouge_scorer.RougeScorer,
) -> tuple[SummaryOptions, list[dict[str, Any]]]:
    """Grid search on the given (train) roundups; objective = mean of ROUGE-1/2/L F1."""
    base = SummaryOptions()
    grid: dict[str, list[Any]] = {
        "w_corroboration": [0.0, 0.5, 1.0],
        "w_position": [0.0, 0.5, 1.0],
        "mmr_lambda": [0.7, 1.0],
        "use_titles": [False, True],
    }
    rows = []
    best: tuple[float, SummaryOptions] | None = None
    for values in itertools.product(*grid.values()):
        opts = replace(base, **dict(zip(grid, values, strict=True)))
        preds = run_newsweave(stories, k, opts, enc)
        res = evaluate(preds, gold, docs, enc, scorer, full=False)
        obj = float(np.mean([res[m]["f1"] for m in ("rouge1", "rouge2", "rougeL")]))
        rows.append({**dict(zip(grid, values, strict=True)), "objective": obj})
        if best is None or obj > best[0]:
            best = (obj, opts)
    assert best is not None
    rows.sort(key=lambda x: -x["objective"])
    return best[1], rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/neus"))
    ap.add_argument("--out", type=Path, default=Path("bench/out/summary"))
    ap.add_argument("--split", default=None,
                    help="split to score: a split the folder has (train, val, ...) or 'all' "
                         "(default: val when present, else all)")
    ap.add_argument("--limit", type=int, default=None, help="first N roundups of the split (quick runs)")
    ap.add_argument("--k", type=int, default=3, help="sentences per summary, every system")
    ap.add_argument("--tune", action="store_true", help="grid-search SummaryOptions on this split")
    ap.add_argument("--sumy-python", default=os.environ.get("NW_SUMY_PYTHON", DEFAULT_SUMY_PYTHON))
    ap.add_argument("--no-lexrank", action="store_true")
    ap.add_argument("--options", default="{}", help="JSON object overriding SummaryOptions fields")
    ap.add_argument("--cache", type=Path, default=None, help="JSONL file of spaCy annotations to reuse/extend")
    ap.add_argument("--encoder", choices=("minilm", "lexical", "both"), default="minilm",
                    help="sentence vectors of newsweave's summary: MiniLM (shipped), TF-IDF+LSA per story "
                         "(newsweave.summarize.lexical), or both in the same run (the lexical one as "
                         "'newsweave-lexical')")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for name in ("onnxruntime", "newsweave.summarize.extractive"):
        logging.getLogger(name).setLevel(logging.WARNING)
    data = data_dir(a.data, ["articles.jsonl", "gold_summaries.jsonl"])
    try:
        opts = replace(SummaryOptions(), **json.loads(a.options))
    except (json.JSONDecodeError, TypeError) as exc:
        die(f"--options {a.options!r}: not a JSON object of SummaryOptions fields ({exc})")

    t0 = time.perf_counter()
    a.split, gold, arts = load(data, a.split, a.limit)
    a.out.mkdir(parents=True, exist_ok=True)
    docs = annotate_all(arts, a.cache)
    t_annot = time.perf_counter() - t0
    stories = [(g["story"], [docs[str(i)] for i in g["article_ids"] if str(i) in docs]) for g in gold]
    logger.info("%d roundups, %d articles annotated in %.1fs", len(gold), len(docs), t_annot)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    enc = CachedEncoder()
    if a.encoder != "lexical":  # embed every candidate sentence once, in big batches
        enc.encode([c.text for _, ds in stories for c in candidate_sentences(ds, keep_furniture=True)])
        enc.encode([d.article.title for _, ds in stories for d in ds if d.article.title])
    t_embed = time.perf_counter() - t0 - t_annot

    if a.tune:
        best, rows = tune(stories, gold, docs, a.k, enc, scorer)
        (a.out / f"tuning_{a.split}.json").write_text(json.dumps({"best": asdict(best), "grid": rows}, indent=1))
        print(json.dumps({"best": asdict(best), "top": rows[:10]}, indent=1))
        return 0

    results: dict[str, Any] = {}
    preds: dict[str, dict[str, list[dict[str, Any]]]] = {}
    t = time.perf_counter()
    if a.encoder in ("minilm", "both"):
        preds["newsweave"] = run_newsweave(stories, a.k, opts, enc)
    t_ours = time.perf_counter() - t
    t_lex = None
    if a.encoder in ("lexical", "both"):
        t = time.perf_counter()
        preds["newsweave-lexical"] = run_newsweave(stories, a.k, opts, LexicalEncoder())
        t_lex = time.perf_counter() - t
    preds.update(run_lead(stories, a.k))
    if not a.no_lexrank:
        t = time.perf_counter()
        preds["lexrank"] = run_lexrank(stories, a.k, a.sumy_python)
        logger.info("LexRank: %.1fs", time.perf_counter() - t)
    for name, p in preds.items():
        with (a.out / f"predictions_{name}.jsonl").open("w", encoding="utf-8") as fh:
            for g in gold:
                sents = p.get(g["story"], [])
                rec = {"story": g["story"], "summary": " ".join(s["text"] for s in sents), "sentences": sents}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        results[name] = evaluate(p, gold, docs, enc, scorer)
        check_scored(results[name]["stories"], f"roundups scored for {name}")
        check_finite({m: results[name][m]["f1"] for m in ("rouge1", "rouge2", "rougeL")}, name)
        logger.info("%s: %s", name, {m: round(results[name][m]["f1"], 4) for m in ("rouge1", "rouge2", "rougeL")})
    meta = {
        "date": date.today().isoformat(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "split": a.split,
        "limit": a.limit,
        "k": a.k,
        "options": asdict(opts),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "encoder": a.encoder,
        "seconds": {"annotate": t_annot, "embed": t_embed, "newsweave_summarize": t_ours,
                    "newsweave_lexical_summarize (vectors included)": t_lex},
    }
    (a.out / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(json.dumps({"meta": meta, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
