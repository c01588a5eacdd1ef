"""Cross-document event coreference on ECB+ event chains, gold mentions: newsweave vs the same-lemma baseline.

Usage (from the repository root)::

    NEWSWEAVE_ANNOTATE_PROCESSES=1 python bench/bench_event_coref.py --data ../shared/data/ecbplus \\
        --out /tmp/bench_event_coref

Mentions: every gold event markable of ``gold_mentions.jsonl`` (tags ``ACTION_*`` / ``NEG_ACTION_*``, the
selection ``score.py --kind event`` makes; the tags are not used otherwise). Each system assigns every mention
to a chain; ``score.py coref --kind event --pred-on-gold-mentions`` scores MUC, B3, CEAF-e and CoNLL F1 in two
settings: **standard** (``--coref-sentences --singletons``: the sentences the ECB+ authors list as fully
annotated, unlinked mentions as singletons, as in Cybulska & Vossen 2015 and Barhom et al. 2019) and
**all sentences** (``--singletons``).

Systems, all in this run on the same annotations:

* **same-lemma baseline**: mentions whose head lemma (spaCy) is the same corefer, within the document cluster;
* **newsweave**: :func:`newsweave.events.coref.group_mentions` with its fixed default settings and the MiniLM
  encoder for trigger lemmas;
* the **variants** tried while building it (other settings of the same function), each scored here (standard
  setting, gold topics) so that the selection is visible.

Document clusters: ``topic`` = the gold topic (``meta.topic``), as most papers do (both subtopics of a topic,
i.e. two similar real events, share a cluster); ``none`` = the whole folder as one cluster, where the system's
own grouping of articles (step 1 of the method) has to find the events. A folder without topics is scored
under ``none`` only.

Splits: the standard ECB+ topic split of Cybulska & Vossen (2015): ``train`` (topics 1, 3, 4, 6-11, 13-17,
19, 20, 22, 24-33), ``dev`` (2, 5, 12, 18, 21, 23, 34, 35), ``test`` (36-45). The settings were chosen on
``train``; ``dev`` was seen only to report. Every split present is scored, plus ``all``. A split is scored
on a copy of the gold files restricted to its articles (written under ``--out``).

spaCy annotations are cached under ``--out`` (``annotations.jsonl``, the entities bench's cache format and
loader) and reused when the article ids match.
The scorer is ``../shared/eval/score.py`` from the project root (``--eval DIR`` or ``$NEWSWEAVE_EVAL``).
The run fails when no gold event mention or chain is scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from _common import (
    add_eval_arg,
    check_finite,
    check_scored,
    data_dir,
    find_scorer,
    keep_usable,
    note,
    read_articles,
    read_jsonl,
    run_scorer,
    write_jsonl,
)
from bench_entities import load_docs

#: Cybulska & Vossen (2015) topic split of ECB+ (used by Barhom et al. 2019 and later work).
DEV_TOPICS = frozenset({2, 5, 12, 18, 21, 23, 34, 35})
TEST_TOPICS = frozenset(range(36, 46))
SETTINGS = {"standard": ("--coref-sentences", "--singletons"), "all sentences": ("--singletons",)}
METRICS = ("muc", "bcubed", "ceaf_e")


def split_of(topic: Any) -> str | None:
    if not isinstance(topic, int):
        return None
    return "test" if topic in TEST_TOPICS else "dev" if topic in DEV_TOPICS else "train"


def is_event_tag(tag: str) -> bool:
    return tag.startswith(("ACTION", "NEG_ACTION"))


def write_split(data: Path, dest: Path, ids: set[str]) -> Path:
    """A copy of the gold files restricted to the articles ``ids``."""
    dest.mkdir(parents=True, exist_ok=True)
    write_jsonl(dest / "articles.jsonl", [r for r in read_jsonl(data / "articles.jsonl") if str(r.get("id")) in ids])
    for name in ("gold_mentions.jsonl", "coref_sentences.jsonl"):
        if (data / name).is_file():
            write_jsonl(dest / name, [r for r in read_jsonl(data / name) if str(r.get("doc")) in ids])
    chains = []
    for c in read_jsonl(data / "gold_coref.jsonl"):
        ms = [m for m in c.get("mentions", []) if str(m.get("doc")) in ids]
        if ms:
            chains.append({**c, "mentions": ms})
    write_jsonl(dest / "gold_coref.jsonl", chains)
    return dest


def write_chains(path: Path, chains: Sequence[Sequence[tuple[str, int, int]]]) -> None:
    write_jsonl(path, [{"chain_id": f"c{i}", "mentions": [{"doc": d, "start": s, "end": e} for d, s, e in ch]}
                       for i, ch in enumerate(chains)])


def lemma_chains(mentions: Sequence[Any], cluster_of: Mapping[str, Any]) -> list[list[tuple[str, int, int]]]:
    """The same-lemma baseline: one chain per (document cluster, head lemma)."""
    by: dict[tuple[Any, str], list[tuple[str, int, int]]] = defaultdict(list)
    for m in mentions:
        by[(cluster_of.get(m.article_id), m.lemma)].append((m.article_id, m.trigger.start, m.trigger.end))
    return list(by.values())


def memo_encoder(encode: Callable[[Sequence[str]], np.ndarray]) -> Callable[[Sequence[str]], np.ndarray]:
    """The encoder with a cache of the texts it has seen (every variant embeds the same trigger lemmas)."""
    seen: dict[str, np.ndarray] = {}

    def enc(texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in seen]
        if todo:
            seen.update(zip(todo, encode(todo), strict=True))
        return np.stack([seen[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    return enc


def fmt(res: Mapping[str, Any]) -> str:
    return "  ".join(f"{k.upper().replace('BCUBED', 'B3').replace('CEAF_E', 'CEAF-e')} "
                     f"{100 * res[k]['f1']:.1f}" for k in METRICS) + f"  CoNLL {100 * res['conll_f1']:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="dataset folder (shared/data format, e.g. ECB+)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_event_coref"), help="work folder (cache, chains)")
    ap.add_argument("--no-variants", action="store_true", help="score only the baseline and the default system")
    add_eval_arg(ap)
    a = ap.parse_args(argv)
    data = data_dir(a.data, ["articles.jsonl", "gold_coref.jsonl", "gold_mentions.jsonl"])
    scorer = find_scorer(a.eval)
    a.out.mkdir(parents=True, exist_ok=True)

    from newsweave.annotate.embeddings import english_encoder
    from newsweave.events.coref import (
        DEFAULT_SETTINGS,
        EventMention,
        article_profile,
        group_mentions,
        mentions_for_article,
    )

    rows = read_articles(data)
    topic = {r["id"]: (r.get("meta") or {}).get("topic") for r in rows}
    published = {r["id"]: r.get("published") for r in rows}
    docs = {d.article.id: d for d in load_docs(data, a.out)}  # spaCy, cached as the entities bench does
    for ad in docs.values():
        ad.article.published = published[ad.article.id]  # TIMEX values are anchored on it

    def mention_problem(m: dict[str, Any]) -> str | None:
        if not is_event_tag(str(m.get("tag", ""))):
            return "not an event mention"
        if str(m.get("doc")) not in docs:
            return "in an article the folder lacks"
        if not isinstance(m.get("start"), int) or not isinstance(m.get("end"), int):
            return "without offsets"
        return None

    gold = keep_usable(read_jsonl(data / "gold_mentions.jsonl"), mention_problem, "gold mentions",
                       data / "gold_mentions.jsonl")
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in gold:
        spans[str(m["doc"])].append((m["start"], m["end"]))
    mentions: list[EventMention] = []
    for doc_id in sorted(spans):
        mentions.extend(mentions_for_article(docs[doc_id], sorted(set(spans[doc_id]))))
    check_scored(len(mentions), "gold event mentions")
    profiles = {d: article_profile(docs[d]) for d in spans}
    encoder = memo_encoder(english_encoder().encode)

    scopes: dict[str, dict[str, Any]] = {"none": {}}
    if all(isinstance(topic[d], int) for d in spans):
        scopes = {"topic": {d: topic[d] for d in spans}, "none": {}}
    else:
        note("articles carry no meta.topic: scored with the whole folder as one document cluster only")
    variants: dict[str, Any] = {"newsweave (default)": DEFAULT_SETTINGS}
    if not a.no_variants:
        variants.update({
            "variant: no trigger embedding (stem only)": replace(DEFAULT_SETTINGS, trigger_threshold=None),
            "variant: trigger cosine 0.6": replace(DEFAULT_SETTINGS, trigger_threshold=0.6),
            "variant: trigger cosine 0.8": replace(DEFAULT_SETTINGS, trigger_threshold=0.8),
            "variant: article threshold 0.1": replace(DEFAULT_SETTINGS, doc_threshold=0.1),
            "variant: article threshold 0.2": replace(DEFAULT_SETTINGS, doc_threshold=0.2),
            "variant: no article grouping": replace(DEFAULT_SETTINGS, doc_threshold=0.0),
            "variant: complete-link article grouping": replace(DEFAULT_SETTINGS, linkage="complete"),
            "variant: reporting verbs as any trigger": replace(DEFAULT_SETTINGS, reporting_needs_participant=False),
            "variant: split on sentence dates": replace(DEFAULT_SETTINGS, split_on_dates=True),
            "variant: participants must agree": replace(DEFAULT_SETTINGS, participants_must_agree=True),
        })
    systems: dict[tuple[str, str], Path] = {}
    t0 = time.time()
    for scope, cluster_of in scopes.items():
        p = a.out / f"chains_{scope}_same_lemma.jsonl"
        write_chains(p, lemma_chains(mentions, cluster_of))
        systems[(scope, "same-lemma baseline")] = p
        for name, settings in variants.items():
            if scope == "none" and name.startswith("variant"):
                continue
            groups = group_mentions(mentions, profiles, cluster_of or None, encoder, settings)
            p = a.out / f"chains_{scope}_{len(systems)}.jsonl"
            write_chains(p, [[(m.article_id, m.trigger.start, m.trigger.end) for m in g.mentions] for g in groups])
            systems[(scope, name)] = p
            if name == "newsweave (default)":
                write_jsonl(a.out / f"groups_{scope}.jsonl", [g.to_dict() for g in groups if len(g.mentions) > 1])
    note(f"{len(mentions)} mentions grouped by {len(systems)} systems in {time.time() - t0:.0f}s")

    splits: dict[str, set[str]] = defaultdict(set)
    for d in spans:
        s = split_of(topic[d])
        if s is not None:
            splits[s].add(d)
    gold_dirs = {"all": data}
    if len(splits) > 1 or (splits and sum(len(v) for v in splits.values()) < len(spans)):
        for s, ids in sorted(splits.items()):
            gold_dirs[s] = write_split(data, a.out / f"gold_{s}", ids)
    results: list[dict[str, Any]] = []
    has_sentences = (data / "coref_sentences.jsonl").is_file()
    for setting, flags in SETTINGS.items():
        if "--coref-sentences" in flags and not has_sentences:
            note("no coref_sentences.jsonl: the standard setting is skipped")
            continue
        for split, gdir in gold_dirs.items():
            print(f"\n## {setting} ({' '.join(flags)}), split {split}")
            for (scope, name), pred in systems.items():
                if name.startswith("variant") and setting != "standard":
                    continue
                res = run_scorer(scorer, "coref", gdir, pred, "--kind", "event", "--pred-on-gold-mentions", *flags)
                check_scored(res["n_gold_mentions"], f"gold event mentions in split {split}")
                check_finite({k: res[k] for k in (*METRICS, "conll_f1")}, f"{setting}/{split}/{name}")
                print(f"{scope:6s} {name:55s} {fmt(res)}")
                results.append({"setting": setting, "split": split, "scope": scope, "system": name,
                                "conll_f1": res["conll_f1"], **{k: res[k] for k in METRICS},
                                "n_gold_mentions": res["n_gold_mentions"], "mention_recall": res["mention_recall"]})
            sys.stdout.flush()
    check_scored(len(results), "system scores")
    (a.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nresults: {a.out / 'results.json'}; multi-mention groups with reasons: {a.out}/groups_*.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
