"""Cross-document entity coreference on ECB+ (entity chains): newsweave vs an exact-string baseline.

Usage (from the repository root)::

    python bench/bench_entities.py --data ../shared/data/ecbplus --out /tmp/bench_entities

Two settings, both scored by ``shared/eval/score.py coref --kind entity``:

* **predicted mentions** -- the system's own mentions (spaCy NER names, cleaned) grouped by
  entity; MUC/B3/CEAF-e/CoNLL against all gold entity chains (so unnamed gold mentions --
  pronouns, nominals, times -- count as missed), plus mention detection P/R/F1 (exact span
  after whitespace trim). The baseline groups the same mentions by exact normalized string
  (accents and case folded).
* **gold mentions** (``--pred-on-gold-mentions``) -- every gold entity markable
  (``gold_mentions.jsonl``, non-event tags; tags are not used by the system) is assigned a
  cluster. **system**: the spans are handed to the library
  (:func:`newsweave.entities.nominal.link_references`), which links a span whose head is a name
  (or the head of a role tied to a name, a demonym, or a proper noun the tagger missed that is
  the surname of one entity of the article or story) to that entity and pronouns and
  nominals to named entities or to an unnamed antecedent of the same article; a span that
  reaches a named entity takes that entity, one that reaches only an unnamed first mention takes
  that first mention's group, and what links to nothing is grouped as the head-lemma baseline
  groups it (syntactic head lemma within the story). **names only**: the same, but pronoun and
  nominal links are not used (those spans stay singletons). **old bench fallback**: the rule
  this script used before issue 14 item 2 (kept for comparison): a span overlapping a system
  name mention takes its entity; he/she/his/her... the nearest preceding person entity of the
  document, it/its the nearest organization/place, everything else its head-lemma group. Two
  baselines: gold mentions clustered by exact normalized text, and by the syntactic head lemma
  of the mention (spaCy parse; "Barack Obama" -> "obama", "the president" -> "president", "he"
  -> "he") within the story scope -- the usual same-head-lemma baseline of coreference work.

Story scope: ``story`` uses the gold story (topic x sub-topic) as ``story_of`` (what the
stories stage would provide at its best); ``all`` treats the whole corpus as one story.
The baseline uses the same scope (strings merge only within a story). A folder without
``gold_stories.json`` is scored with the ``all`` scope only.

The scorer is ``../shared/eval/score.py`` from the project root (``--eval DIR`` or ``$NEWSWEAVE_EVAL``).
Gold mentions without a document, offsets, or in a document the folder does not hold are counted and
left out; the run fails when no gold entity mention or chain remains.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _common import (
    add_eval_arg,
    check_scored,
    data_dir,
    find_scorer,
    keep_usable,
    note,
    read_articles,
    read_json,
    read_jsonl,
    run_scorer,
)
from newsweave.annotate.nlp import annotate, load_nlp
from newsweave.entities.mentions import _ArticleView
from newsweave.entities.names import fold
from newsweave.entities.nominal import Reference, link_references, span_head
from newsweave.entities.resolve import EntityResolution, resolve_entities
from newsweave.models import AnnotatedArticle, Annotation, Article

PRON_PERSON = {"he", "him", "his", "himself", "she", "her", "hers", "herself"}
PRON_THING = {"it", "its", "itself"}
LEADING = {"the", "a", "an"}


def load_docs(data: Path, out: Path) -> list[AnnotatedArticle]:
    """Articles with annotations (cached under ``out``)."""
    rows = read_articles(data)
    arts = [Article(id=r["id"], text=r["text"], input=r["id"], language="en", url=r.get("url")) for r in rows]
    cache = out / "annotations.jsonl"
    anns: dict[str, Annotation] = {}
    if cache.exists():
        for line in cache.open(encoding="utf-8"):
            a = Annotation.from_dict(json.loads(line))
            anns[a.article_id] = a
    if set(anns) != {a.id for a in arts}:
        t0 = time.time()
        anns = {a.article_id: a for a in annotate(arts, load_nlp())}
        with cache.open("w", encoding="utf-8") as fh:
            for a in anns.values():
                fh.write(json.dumps(a.to_dict()) + "\n")
        print(f"annotated {len(anns)} articles in {time.time() - t0:.0f}s", file=sys.stderr)
    return [AnnotatedArticle(a, anns[a.id]) for a in arts]


def norm_text(text: str) -> str:
    """Exact-string baseline key: folded, leading article dropped, outer punctuation stripped."""
    words = fold(text).strip(" .,;:'\"").split()
    while words and words[0] in LEADING:
        words = words[1:]
    return " ".join(words)


def write_chains(path: Path, clusters: dict[Any, list[tuple[str, int, int]]]) -> None:
    """Write clusters in score.py's coref format."""
    seen: set[tuple[str, int, int]] = set()
    with path.open("w", encoding="utf-8") as fh:
        for n, (_, ms) in enumerate(sorted(clusters.items(), key=lambda kv: str(kv[0]))):
            uniq = sorted(set(ms) - seen)  # a span twice in the gold file goes to its first cluster
            seen.update(uniq)
            if not uniq:
                continue
            fh.write(json.dumps({"chain_id": f"c{n}", "mentions": [
                {"doc": d, "start": s, "end": e} for d, s, e in uniq]}) + "\n")


def score(scorer: Path, data: Path, pred: Path, gold_mentions: bool) -> dict[str, Any]:
    """Run score.py coref (entity chains) and return its JSON."""
    extra = ["--kind", "entity", *(["--pred-on-gold-mentions"] if gold_mentions else [])]
    return run_scorer(scorer, "coref", data, pred, *extra)


_VIEWS: dict[str, _ArticleView] = {}


def head_lemma(doc: AnnotatedArticle, start: int, end: int) -> tuple[str, str]:
    """(lemma, POS) of the head of a span (the library's ``span_head``: through a preposition to its object)."""
    assert doc.annotation is not None
    view = _VIEWS.get(doc.article.id) or _VIEWS.setdefault(doc.article.id, _ArticleView(doc))
    h = span_head(view, start, end)
    if h is None:
        return fold(doc.article.text[start:end]), "X"
    return view.toks[h].lemma.lower(), view.toks[h].pos


def system_setting(
    docs: dict[str, AnnotatedArticle], res: EntityResolution, refs: dict[tuple[str, int, int], Reference],
    gold: list[dict[str, Any]], story_of: dict[str, str] | None, use_links: bool,
) -> dict[Any, list[tuple[str, int, int]]]:
    """Clusters from the library's references to the gold spans (see module docstring)."""
    clusters: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
    for g in gold:
        doc, s, e = g["doc"], g["start"], g["end"]
        story = story_of.get(doc, doc) if story_of else "_all"
        ref = refs[(doc, s, e)]
        linked = ref.kind in ("name", "role", "demonym", "proper") or use_links
        key: Any
        if ref.entity_id and linked:
            key = ref.entity_id
        elif ref.kind == "other" and res.entity_at(doc, s, e):
            key = res.entity_at(doc, s, e)
        elif not use_links and ref.kind in ("pronoun", "nominal"):
            key = ("single", doc, s, e)
        else:
            rs, re_ = ref.chain
            key = ("head", story, head_lemma(docs[doc], rs, re_)[0])
        clusters[key].append((doc, s, e))
    return clusters


def old_fallback(
    docs: dict[str, AnnotatedArticle], res: EntityResolution, gold: list[dict[str, Any]],
    story_of: dict[str, str] | None, fallback: bool,
) -> dict[Any, list[tuple[str, int, int]]]:
    """The bench-side fallback used before the library linked pronouns and nominals (see module docstring)."""
    kind_of = {e.id: e.kind for e in res.entities}
    sys_mentions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for m in res.mentions:
        if m.entity_id:
            sys_mentions[m.article_id].append((m.start, m.entity_id))
    clusters: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
    for g in gold:
        doc, s, e = g["doc"], g["start"], g["end"]
        story = story_of.get(doc, doc) if story_of else "_all"
        eid = res.entity_at(doc, s, e)
        if eid is not None:
            clusters[eid].append((doc, s, e))
            continue
        if not fallback:
            clusters[("single", doc, s, e)].append((doc, s, e))
            continue
        lemma, pos = head_lemma(docs[doc], s, e)
        text = fold(docs[doc].article.text[s:e])
        if pos == "PRON" or text in PRON_PERSON | PRON_THING:
            want = {"person"} if text in PRON_PERSON else {"organization", "place"} if text in PRON_THING else set()
            prev = [eid for st, eid in sys_mentions[doc] if st < s and kind_of.get(eid) in want]
            key: Any = prev[-1] if prev else ("single", doc, s, e)
        else:
            key = ("head", story, lemma)
        clusters[key].append((doc, s, e))
    return clusters


def link_precision(refs: dict[tuple[str, int, int], Reference], gold: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Per link rule (the reason's first words): [right, checked] for links that are not names themselves.

    A link is checked when its entity has, in the same document, a name span that is a gold
    mention of some chain; it is right when the linked span shares a gold chain with one of them.
    """
    chains = {(g["doc"], g["start"], g["end"]): set(g.get("chain_ids") or []) for g in gold}
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (doc, s, e), r in refs.items():
        if r.entity_id and r.kind == "name":
            named[(doc, r.entity_id)] |= chains.get((doc, s, e), set())
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (doc, s, e), r in refs.items():
        others = named.get((doc, r.entity_id or ""), set())
        if not r.entity_id or r.kind == "name" or not others:
            continue
        rule = f"{r.kind}: {r.reason.split(chr(39))[0].strip()}"
        out[rule][1] += 1
        out[rule][0] += bool(chains.get((doc, s, e), set()) & others)
    return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))


def md_prf(r: dict[str, Any]) -> tuple[float, float, float]:
    """Mention detection P/R/F1 from a score.py result."""
    rec = r["mention_recall"]
    matched = rec * r["n_gold_mentions"]
    prec = matched / r["n_pred_mentions"] if r["n_pred_mentions"] else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def main() -> None:
    """Run system and baseline in both settings and both story scopes; print and save scores."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/ecbplus"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_entities"))
    add_eval_arg(ap)
    args = ap.parse_args()
    data = data_dir(args.data, ["articles.jsonl", "gold_mentions.jsonl", "gold_coref.jsonl"])
    scorer = find_scorer(args.eval)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    docs_list = load_docs(data, out)
    docs = {d.article.id: d for d in docs_list}
    gold_stories: dict[str, str] = {}
    if (data / "gold_stories.json").is_file():
        gold_stories = {str(k): str(v) for k, v in read_json(data / "gold_stories.json").items()}
    else:
        note(f"no gold_stories.json in {data}: the 'story' scope is not scored")
    n_chains = sum(1 for c in read_jsonl(data / "gold_coref.jsonl") if c.get("kind") == "entity" and c.get("mentions"))
    check_scored(n_chains, f"gold entity chains in {data / 'gold_coref.jsonl'}")

    def unusable(m: dict[str, Any]) -> str | None:
        if not isinstance(m.get("start"), int) or not isinstance(m.get("end"), int):
            return "without start/end offsets"
        if str(m.get("doc")) not in docs:
            return "in documents articles.jsonl does not hold"
        return None

    gold = [
        m | {"doc": str(m["doc"]), "text": m.get("text") or docs[str(m["doc"])].article.text[m["start"]: m["end"]]}
        for m in keep_usable(read_jsonl(data / "gold_mentions.jsonl"), unusable, "gold mentions",
                             data / "gold_mentions.jsonl")
        if not (str(m.get("tag", "")).startswith("ACTION") or str(m.get("tag", "")).startswith("NEG_ACTION"))
    ]
    check_scored(len(gold), f"gold entity mentions in {data / 'gold_mentions.jsonl'}")
    results: dict[str, Any] = {}
    for scope in ("story", "all") if gold_stories else ("all",):
        story_of = gold_stories if scope == "story" else None
        t0 = time.time()
        res = resolve_entities(docs_list, story_of)
        secs = time.time() - t0
        smap = story_of or {}

        def st(doc_id: str, smap: dict[str, str] = smap, scoped: bool = story_of is not None) -> str:
            return smap.get(doc_id, doc_id) if scoped else "_all"

        runs: dict[str, tuple[dict[Any, list[tuple[str, int, int]]], bool]] = {}
        sysc: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
        basec: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
        for m in res.mentions:
            sysc[m.entity_id].append((m.article_id, m.start, m.end))
            basec[(st(m.article_id), norm_text(m.text))].append((m.article_id, m.start, m.end))
        runs["predicted/system"] = (sysc, False)
        runs["predicted/baseline"] = (basec, False)
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for g in gold:
            spans[g["doc"]].append((g["start"], g["end"]))
        t1 = time.time()
        refs = {(r.article_id, r.start, r.end): r for r in link_references(docs_list, res.mentions, story_of, spans)}
        results[f"{scope}/link_seconds"] = time.time() - t1
        results[f"{scope}/reference_kinds"] = dict(Counter(
            (r.kind, "linked" if r.entity_id else "chained" if r.antecedent else "unlinked") for r in refs.values()))
        results[f"{scope}/reference_kinds"] = {" ".join(k): v for k, v in results[f"{scope}/reference_kinds"].items()}
        results[f"{scope}/link_precision"] = link_precision(refs, gold)
        runs["gold/system"] = (system_setting(docs, res, refs, gold, story_of, True), True)
        runs["gold/system names only"] = (system_setting(docs, res, refs, gold, story_of, False), True)
        runs["gold/system old bench fallback"] = (old_fallback(docs, res, gold, story_of, True), True)
        gbase: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
        for g in gold:
            gbase[(st(g["doc"]), norm_text(g["text"]))].append((g["doc"], g["start"], g["end"]))
        runs["gold/baseline"] = (gbase, True)
        ghead: dict[Any, list[tuple[str, int, int]]] = defaultdict(list)
        for g in gold:
            lemma = head_lemma(docs[g["doc"]], g["start"], g["end"])[0]
            ghead[(st(g["doc"]), lemma)].append((g["doc"], g["start"], g["end"]))
        runs["gold/baseline head lemma"] = (ghead, True)
        for name, (clusters, on_gold) in runs.items():
            path = out / f"pred_{scope}_{name.replace('/', '_').replace(' ', '_')}.jsonl"
            write_chains(path, clusters)
            r = score(scorer, data, path, on_gold)
            row: dict[str, Any] = {k: r[k]["f1"] for k in ("muc", "bcubed", "ceaf_e")}
            row.update({k: r[k] for k in ("conll_f1", "n_pred_mentions", "n_gold_mentions", "n_pred_chains")})
            row["raw"] = {k: v for k, v in r.items() if k not in ("warnings",)}
            if not on_gold:
                row["md_p"], row["md_r"], row["md_f1"] = md_prf(r)
            results[f"{scope}/{name}"] = row
        results[f"{scope}/resolve_seconds"] = secs
        results[f"{scope}/n_entities"] = len(res.entities)
    (out / "scores.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    for k, v in results.items():
        if isinstance(v, dict):
            print(k, {kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in v.items() if kk != "raw"})
        else:
            print(k, v)


if __name__ == "__main__":
    main()
