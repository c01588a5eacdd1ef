"""Quotes benchmark on PolNeAR: source/cue/content span F1 (exact and overlap), newsweave vs textacy.

By default the shipped parameters (``src/newsweave/data/quotes_params.json``) are applied to the
``--split`` compartment (``dev`` when the folder has one, else every compartment present). With
``--refit`` (implied by ``--install``) they are first fitted on the ``train`` compartment (with
``--refit-cues`` only step 1, keeping the shipped grouping thresholds):

1. cue lemmas: starting from the packaged lexicon (speech + written + finding + object
   cues + cognition verbs), keep a lemma if, on train, at least ``--min-cue-precision`` of the
   quotes it introduces overlap a gold content span;
2. grouping: the embedding threshold is the lowest cosine at which at most
   ``--max-fmr`` of cross-article statement pairs of train (pairs whose wording
   is not close, i.e. ``must not match``) would be matched.

Both are written to ``OUT/quotes_params.json`` (and with ``--install`` to the
package data). Then, on dev, the system and textacy's ``direct_quotations``
(on the same spaCy parse, rebuilt with ``to_doc``) write predictions in
score.py's ``attributions`` format, and score.py scores them against the dev
gold. Grouping is measured on dev: false matches among cross-article pairs and
recall on perturbed copies (punctuation/quote style, truncation, small edits).

The scorer is ``../shared/eval/score.py`` from the project root (``--eval DIR`` or ``$NEWSWEAVE_EVAL``).
Gold attributions without a primary annotator flag are not scored (score.py's rule) and are counted; the
run fails when the scored compartment has no article or no primary gold. textacy must be installed
(``bench/requirements-quotes.txt``) unless ``--no-textacy``.

Usage: python bench/bench_quotes.py --data ../shared/data/polnear --out /tmp/quotes_bench [--refit [--install]]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from _common import (
    ALL,
    ROOT,
    add_eval_arg,
    check_finite,
    check_scored,
    choose_split,
    data_dir,
    die,
    find_scorer,
    note,
    read_articles,
    read_jsonl,
    run_scorer,
    write_jsonl,
)
from newsweave.annotate.nlp import annotate, load_nlp, to_doc
from newsweave.models import AnnotatedArticle, Annotation, Article, Span
from newsweave.quotes import (
    GroupParams,
    Quote,
    QuoteGrouper,
    QuoteParams,
    extract_quotes,
    load_lexicon,
    normalize,
)

logger = logging.getLogger("bench_quotes")
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"


def load_corpus(data: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Articles and primary-annotator gold attributions (the others are counted on stderr)."""
    arts = read_articles(data)
    gold = read_jsonl(data / "gold_attributions.jsonl")
    primary = [g for g in gold if g.get("primary") and g.get("doc") is not None]
    if len(primary) < len(gold):
        note(f"{len(gold) - len(primary)} of {len(gold)} gold attributions not scored (no document, or not the "
             "primary annotator's: score.py scores only records with primary == true)")
    return arts, primary


def compartment(article: dict[str, Any]) -> str | None:
    """The PolNeAR compartment (train|dev|test) of an article, if it says."""
    value = (article.get("meta") or {}).get("compartment")
    return str(value) if value is not None else None


def annotated(arts: list[dict[str, Any]], cache: Path) -> dict[str, AnnotatedArticle]:
    """Annotate with spaCy once; cached as JSON Lines under ``cache``."""
    nlp = load_nlp()
    done: dict[str, Annotation] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            a = Annotation.from_dict(json.loads(line))
            done[a.article_id] = a
    items = {o["id"]: Article(id=o["id"], text=o["text"], input=o["id"], language="en") for o in arts}
    todo = [a for aid, a in items.items() if aid not in done]
    if todo:
        t0 = time.time()
        with cache.open("a", encoding="utf-8") as fh:
            for ann in annotate(todo, nlp):
                done[ann.article_id] = ann
                fh.write(json.dumps(ann.to_dict()) + "\n")
        logger.info("annotated %d articles in %.0fs", len(todo), time.time() - t0)
    return {aid: AnnotatedArticle(items[aid], done[aid]) for aid in items}


def sp(s: Span | None, text: str) -> dict[str, Any] | None:
    """Span in score.py form."""
    return None if s is None else {"start": s.start, "end": s.end, "text": text[s.start : s.end]}


def system_rows(q: Quote, text: str) -> dict[str, Any]:
    """One prediction: content with its quote marks (as PolNeAR marks them); a partial quote's reported clause."""
    content = q.clause if q.clause is not None else q.outer
    return {"doc": q.article_id, "source": sp(q.speaker, text), "cue": sp(q.cue, text), "content": sp(content, text)}


def textacy_rows(item: AnnotatedArticle) -> list[dict[str, Any]]:
    """textacy.extract.triples.direct_quotations on the same parse."""
    from textacy.extract.triples import direct_quotations

    text = item.article.text
    assert item.annotation is not None
    doc = to_doc(text, item.annotation, load_nlp())
    rows = []
    try:
        triples = list(direct_quotations(doc))
    except Exception as exc:  # textacy raises on some unbalanced quote layouts
        logger.warning("textacy failed on %s: %s", item.article.id, exc)
        return []
    for t in triples:
        def cover(toks: Any) -> Span | None:
            toks = list(toks)
            if not toks:
                return None
            return Span(min(x.idx for x in toks), max(x.idx + len(x.text) for x in toks))

        content = Span(t.content.start_char, t.content.end_char)
        rows.append({"doc": item.article.id, "source": sp(cover(t.speaker), text), "cue": sp(cover(t.cue), text),
                     "content": sp(content, text)})
    return rows


def write_gold_subset(data: Path, ids: set[str], dest: Path) -> None:
    """A gold folder holding only the articles ``ids`` (score.py scores every gold document it finds)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("articles.jsonl", "gold_attributions.jsonl"):
        key = "id" if name == "articles.jsonl" else "doc"
        write_jsonl(dest / name, [r for r in read_jsonl(data / name) if str(r.get(key)) in ids])


# ---------------------------------------------------------------------------
# fitting on train
# ---------------------------------------------------------------------------


def product_cues(lex: dict[str, list[str]]) -> frozenset[str]:
    """Cue lemmas a dossier may use: speech, written, finding ("a poll showed") and object cues ("denied")."""
    return frozenset(lex["speech"]) | frozenset(lex["written"]) | frozenset(lex.get("finding", ())) | frozenset(
        lex.get("object_cues", ()))


def fit_cues(items: list[AnnotatedArticle], gold: dict[str, list[dict[str, Any]]], min_prec: float) -> QuoteParams:
    """Keep the candidate cue lemmas whose quotes overlap gold content often enough on train."""
    lex = load_lexicon()
    cands = product_cues(lex) | frozenset(lex["cognition"])
    params = QuoteParams(cue_lemmas=cands)
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    nlp = load_nlp()
    for it in items:
        assert it.annotation is not None
        doc = to_doc(it.article.text, it.annotation, nlp)
        lemma_at = {t.idx: t.lemma_.lower() if t.lower_ != "according" else "according" for t in doc}
        g = [(x["content"]["start"], x["content"]["end"]) for x in gold.get(it.article.id, []) if x["content"]]
        for q in extract_quotes(it, nlp, params=params):
            if q.cue is None:
                continue
            lemma = lemma_at.get(q.cue.start, "")
            tot[lemma] += 1
            if any(s < q.outer.end and q.outer.start < e for s, e in g):
                hit[lemma] += 1
    keep = {lem for lem in tot if lem in cands and tot[lem] >= 3 and hit[lem] / tot[lem] >= min_prec}
    keep |= {lem for lem in cands if tot[lem] < 3 and lem in product_cues(lex)}
    logger.info("cue lemmas kept %d of %d; dropped: %s", len(keep), len(cands), sorted(cands - keep))
    return QuoteParams(cue_lemmas=frozenset(keep))


def perturb(text: str, rng: random.Random) -> str:
    """A rendering another outlet might print: new quote style/punctuation, truncation or a small edit."""
    words = text.split()
    r = rng.random()
    if r < 0.3:
        out = text.replace("“", '"').replace("”", '"').replace("’", "'").rstrip(".,") + ","
    elif r < 0.6 and len(words) >= 10:
        k = rng.randint(len(words) // 2, len(words) - 2)
        out = " ".join(words[:k]) if rng.random() < 0.5 else " ".join(words[-k:])
    else:
        w = list(words)
        for _ in range(max(1, len(w) // 8)):
            i = rng.randrange(len(w))
            if rng.random() < 0.5 and len(w) > 4:
                del w[i]
            else:
                w.insert(i, rng.choice(["also", "really", "very", "the", "now"]))
        out = " ".join(w)
    return out


def statements(items: list[AnnotatedArticle], quotes: list[Quote], gp: GroupParams) -> list[tuple[str, str]]:
    """(article id, statement text) for every statement of the quotes."""
    texts = {it.article.id: it.article.text for it in items}
    g = QuoteGrouper(gp, encoder=False)
    return [(s.quote.article_id, s.text) for s in g.statements(quotes, texts)]


def pair_scores(stmts: list[tuple[str, str]], enc: Any, rng: random.Random, limit: int) -> dict[str, np.ndarray]:
    """Cross-article pairs: wording similarity and cosine; plus perturbed positives."""
    if len(stmts) > limit:
        stmts = rng.sample(stmts, limit)
    norms = [normalize(t) for _, t in stmts]
    docs = np.array([d for d, _ in stmts])
    vec = enc.encode([t for _, t in stmts])
    lex = cdist(norms, norms, scorer=fuzz.ratio, workers=2) / 100.0
    cos = vec @ vec.T
    iu = np.triu_indices(len(stmts), 1)
    nw = np.array([len(n.split()) for n in norms])
    cross = docs[iu[0]] != docs[iu[1]]
    pos_txt = [perturb(t, rng) for _, t in stmts]
    pvec = enc.encode(pos_txt)
    pnorm = [normalize(t) for t in pos_txt]
    plex = np.array([fuzz.ratio(a, b) / 100.0 for a, b in zip(norms, pnorm, strict=True)])
    ppart = np.array([fuzz.partial_ratio(a, b) / 100.0 for a, b in zip(norms, pnorm, strict=True)])
    pwords = np.array([min(len(a.split()), len(b.split())) for a, b in zip(norms, pnorm, strict=True)])
    return {
        "neg_lex": lex[iu][cross], "neg_cos": cos[iu][cross], "neg_words": np.minimum(nw[iu[0]], nw[iu[1]])[cross],
        "pos_lex": plex, "pos_part": ppart, "pos_words": pwords, "pos_cos": np.sum(vec * pvec, axis=1),
    }


def group_rates(s: dict[str, np.ndarray], gp: GroupParams, loose: float = 0.6) -> dict[str, Any]:
    """False-match rate on must-not-match pairs and recall on perturbed positives at ``gp``."""
    must_not = (s["neg_lex"] < loose) & (s["neg_words"] >= gp.min_embedding_words)
    fm_emb = int(np.sum((s["neg_cos"] >= gp.embedding) & must_not))
    fm_lex = int(np.sum(s["neg_lex"] >= gp.lexical))
    part_ok = (s["pos_part"] >= gp.partial) & (s["pos_words"] >= gp.min_partial_words)
    lex_ok = (s["pos_lex"] >= gp.lexical) | part_ok
    emb_ok = (s["pos_cos"] >= gp.embedding) & (s["pos_words"] >= gp.min_embedding_words)
    n = len(s["pos_lex"])
    return {
        "must_not_match_pairs": int(np.sum(must_not)),
        "false_matches_embedding": fm_emb,
        "false_match_rate_embedding": fm_emb / max(1, int(np.sum(must_not))),
        "cross_pairs_matched_lexically": fm_lex,
        "positives": n,
        "recall_lexical": float(np.mean(lex_ok)),
        "recall_lexical_or_embedding": float(np.mean(lex_ok | emb_ok)),
    }


def fit_threshold(s: dict[str, np.ndarray], max_fmr: float) -> float:
    """Cosine above which at most ``max_fmr`` of the must-not-match pairs lie."""
    neg = np.sort(s["neg_cos"][(s["neg_lex"] < 0.6) & (s["neg_words"] >= GroupParams().min_embedding_words)])[::-1]
    k = int(max_fmr * len(neg))
    return float(neg[k]) + 1e-4 if k < len(neg) else 0.5


def fit_group(s: dict[str, np.ndarray], max_fmr: float, floor: float) -> GroupParams:
    """Lowest embedding threshold whose false-match rate on must-not-match train pairs is <= ``max_fmr``."""
    thr = fit_threshold(s, max_fmr)
    gp = GroupParams()
    gp.embedding = round(max(thr, floor), 4)
    logger.info("embedding threshold at FMR %.1e: %.4f (floor %.2f)", max_fmr, thr, floor)
    return gp


def shipped_params() -> dict[str, Any]:
    """The packaged ``quotes_params.json`` (what the library applies)."""
    from importlib import resources

    raw = resources.files("newsweave.data").joinpath("quotes_params.json").read_text(encoding="utf-8")
    params: dict[str, Any] = json.loads(raw)
    return params


def main() -> None:
    """Apply the shipped (or, with --refit, train-fitted) parameters to one compartment; score; write results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--split", default=None,
                    help="compartment to score (default: dev when the folder has one, else all of it)")
    ap.add_argument("--refit", action="store_true",
                    help="fit cue lemmas and the grouping threshold on the train compartment first "
                         "(default: apply the shipped src/newsweave/data/quotes_params.json)")
    ap.add_argument("--min-cue-precision", type=float, default=0.5)
    ap.add_argument("--max-fmr", type=float, default=5e-6)
    ap.add_argument("--min-embedding", type=float, default=0.7, help="lowest embedding threshold allowed")
    ap.add_argument("--pairs", type=int, default=2500, help="statements sampled for the pair measurements")
    ap.add_argument("--refit-cues", action="store_true",
                    help="refit only the cue lemmas on the train compartment; keep the shipped grouping thresholds")
    ap.add_argument("--install", action="store_true",
                    help="write the fitted params to src/newsweave/data/ (implies --refit unless --refit-cues)")
    ap.add_argument("--limit", type=int, default=0, help="articles per compartment (0 = all; for a quick run)")
    ap.add_argument("--no-textacy", action="store_true", help="do not run the textacy peer")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo-corpus quote groups")
    add_eval_arg(ap)
    args = ap.parse_args()
    args.refit = args.refit or (args.install and not args.refit_cues)
    fit_train = args.refit or args.refit_cues
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = data_dir(args.data, ["articles.jsonl", "gold_attributions.jsonl"])
    scorer = find_scorer(args.eval)
    if not args.no_textacy:
        try:
            import textacy  # noqa: F401
        except ImportError:
            die("textacy is not installed (see bench/requirements-quotes.txt); pass --no-textacy to skip that peer")
    out = args.out
    arts, gold = load_corpus(data)
    split = choose_split((compartment(o) for o in arts), args.split, "dev", "compartment")
    if fit_train:
        if not any(compartment(o) == "train" for o in arts):
            die("--refit fits on the 'train' compartment, which this folder does not have "
                f"(present: {', '.join(sorted({c for o in arts if (c := compartment(o))})) or 'none'})")
        if split in ("train", ALL):
            die(f"refitting fits on 'train': scoring --split {split} would score the fitting data; pick another split")
    if args.limit:
        per: dict[str | None, int] = defaultdict(int)
        keep = []
        for o in arts:
            c = compartment(o)
            if per[c] < args.limit:
                per[c] += 1
                keep.append(o)
        arts = keep
    gold_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in gold:
        gold_by_doc[str(g["doc"])].append(g)
    dev_ids = [o["id"] for o in arts if split == ALL or compartment(o) == split]
    check_scored(len(dev_ids), f"articles in the '{split}' compartment")
    check_scored(sum(len(gold_by_doc[i]) for i in dev_ids),
                 f"primary-annotator gold attributions for the {len(dev_ids)} '{split}' articles")
    wanted = [o for o in arts if split == ALL or compartment(o) == split or (fit_train and compartment(o) == "train")]
    out.mkdir(parents=True, exist_ok=True)
    items = annotated(wanted, out / "annotations.jsonl")
    comp = {o["id"]: compartment(o) for o in wanted}
    dev = [items[a] for a in dev_ids]
    train = [items[a] for a in items if comp[a] == "train"] if fit_train else []

    from newsweave.annotate.embeddings import english_encoder

    enc = english_encoder()
    rng = random.Random(13)
    nlp = load_nlp()
    lex = load_lexicon()
    results_fit: dict[str, Any] = {}
    params: dict[str, Any]
    s_train: dict[str, np.ndarray] | None = None
    if args.refit:
        t0 = time.time()
        xp = fit_cues(train, gold_by_doc, args.min_cue_precision)
        logger.info("fitted cue lemmas on %d train articles in %.0fs", len(train), time.time() - t0)
        train_quotes = [q for it in train for q in extract_quotes(it, nlp, params=xp)]
        s_train = pair_scores(statements(train, train_quotes, GroupParams()), enc, rng, args.pairs)
        gp = fit_group(s_train, args.max_fmr, args.min_embedding)
        results_fit = {"embedding_threshold_unclamped": float(fit_threshold(s_train, args.max_fmr))}
        # The product keeps only fitted *speech/written* cues: PolNeAR also annotates beliefs ("X thinks"),
        # which a dossier's quotes should not hold; the belief-inclusive set is kept for this benchmark.
        product = QuoteParams(cue_lemmas=xp.cue_lemmas & product_cues(lex))
        params = {"extract": product.to_dict(), "extract_polnear": xp.to_dict(), "group": gp.to_dict(),
                  "fitted_on": f"PolNeAR train ({len(train)} articles) by bench/bench_quotes.py"}
    elif args.refit_cues:
        params = shipped_params()
        xp = fit_cues(train, gold_by_doc, args.min_cue_precision)
        product = QuoteParams(cue_lemmas=xp.cue_lemmas & product_cues(lex))
        gp = GroupParams.from_dict(params["group"])
        params |= {"extract": product.to_dict(), "extract_polnear": xp.to_dict(),
                   "fitted_on": f"PolNeAR train ({len(train)} articles) by bench/bench_quotes.py "
                                "(cue lemmas refitted with --refit-cues; grouping thresholds as shipped)"}
    else:
        params = shipped_params()
        product = QuoteParams.from_dict(params["extract"])
        xp = QuoteParams.from_dict(params.get("extract_polnear", params["extract"]))
        gp = GroupParams.from_dict(params["group"])
    (out / "quotes_params.json").write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    if args.install:
        (ROOT / "src" / "newsweave" / "data" / "quotes_params.json").write_text(
            json.dumps(params, indent=1) + "\n", encoding="utf-8")

    # --- evaluation on the chosen compartment -----------------------------------
    gold_dev = out / "gold_dev"
    write_gold_subset(data, {it.article.id for it in dev}, gold_dev)
    systems: dict[str, list[dict[str, Any]]] = {"newsweave": [], "newsweave_with_belief_cues": []}
    timing: dict[str, float] = {}
    t0 = time.time()
    for it in dev:
        systems["newsweave"] += [system_rows(q, it.article.text) for q in extract_quotes(it, nlp, params=product)]
    timing["newsweave"] = time.time() - t0
    for it in dev:
        systems["newsweave_with_belief_cues"] += [system_rows(q, it.article.text)
                                                  for q in extract_quotes(it, nlp, params=xp)]
    if not args.no_textacy:
        systems["textacy"] = []
        t0 = time.time()
        for it in dev:
            systems["textacy"] += textacy_rows(it)
        timing["textacy"] = time.time() - t0
    results: dict[str, Any] = {}
    for name, rows in systems.items():
        pred = out / f"pred_{name}.jsonl"
        pred.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        results[name] = run_scorer(scorer, "attributions", gold_dev, pred)
        check_scored(results[name]["n_gold"], f"gold attributions scored by score.py for {name}")
        check_finite(results[name], name)
    dev_quotes = [q for it in dev for q in extract_quotes(it, nlp, params=xp)]
    dev_statements = statements(dev, dev_quotes, gp)
    if len({d for d, _ in dev_statements}) >= 2:
        results["grouping_dev"] = group_rates(pair_scores(dev_statements, enc, rng, args.pairs), gp)
    else:
        note("quote statements in fewer than two articles: cross-outlet matching not measured")
    if s_train is not None:
        results["grouping_train"] = group_rates(s_train, gp)
    results["params"] = params
    results["fit"] = results_fit
    results["timing_s"] = timing
    results["split"] = split
    results["refit"] = args.refit
    results["n_dev_articles"] = len(dev)
    results["n_train_articles"] = len(train)
    if SEEDS.is_dir() and not args.no_demo:
        results["demo"] = demo(SEEDS, xp, gp)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    md = render(results, args)
    (out / "quotes.md").write_text(md + "\n", encoding="utf-8")
    print(md)


def demo(seeds: Path, xp: QuoteParams, gp: GroupParams) -> list[dict[str, Any]]:
    """Multi-article quote groups of the demo corpus (the issue's acceptance check)."""
    from newsweave.quotes import extract_all, group_quotes

    nlp = load_nlp()
    arts = [Article(id=p.stem[:3], text=p.read_text(encoding="utf-8"), input=str(p), language="en")
            for p in sorted(seeds.glob("*.txt"))]
    items = [AnnotatedArticle(a, n) for a, n in zip(arts, annotate(arts, nlp), strict=True)]
    groups = group_quotes(extract_all(items, nlp, params=xp), {a.id: a.text for a in arts}, params=gp)
    return [{"id": g.id, "speaker": g.speaker_text, "articles": g.article_ids, "text": g.text,
             "variants": [(v.article_id, v.speaker_text, round(v.similarity, 3)) for v in g.variants]}
            for g in groups if len(g.article_ids) > 1]


def render(r: dict[str, Any], args: argparse.Namespace) -> str:
    """The results page: dev scores, grouping rates, demo groups, fitted parameters."""
    cmd = " ".join(["python bench/bench_quotes.py", *sys.argv[1:]])
    lines = [
        f"# Quotes benchmark (PolNeAR {r['split']}; "
        f"{'fitted on train' if r['refit'] else 'shipped parameters'})",
        "",
        f"Command: `{cmd}`  ",
        f"Date: {time.strftime('%Y-%m-%d')}; machine: 2 CPU cores, shared with other jobs; no GPU.  ",
        f"Articles: {r['n_train_articles']} train (fitting), {r['n_dev_articles']} {r['split']} (reported).  ",
        f"Scorer: `../shared/eval/score.py attributions` against the {r['split']} articles' primary-annotator "
        "gold.  ",
        "Systems: `newsweave` (the packaged default: speech, written-report, finding and object cue verbs that",
        "kept precision >= min-cue-precision on train), `newsweave_with_belief_cues` (plus the belief",
        "verbs (think, believe, want, ...) that passed the same train test; PolNeAR counts beliefs as",
        "attributions, a dossier's quotes do not), `textacy` (`textacy.extract.triples.direct_quotations`",
        "0.13.0 on the same spaCy parse). PolNeAR annotates every attribution (beliefs, reports,",
        "surveys), not only speech, so recall is bounded; `quote-subset R` is the recall on gold whose",
        "content begins or ends at a double quote mark (direct and mixed quotations).",
        "",
        "| system | role | exact P | exact R | exact F1 | overlap P | overlap R | overlap F1 | "
        "quote-subset R (overlap) |", "|---|---|---|---|---|---|---|---|---|"]
    for name in [n for n in ("newsweave", "newsweave_with_belief_cues", "textacy") if n in r]:
        for role in ("source", "cue", "content"):
            e, o = r[name][role]["exact"], r[name][role]["overlap"]
            lines.append(f"| {name} | {role} | {e['p']:.3f} | {e['r']:.3f} | {e['f1']:.3f} | {o['p']:.3f} | "
                         f"{o['r']:.3f} | {o['f1']:.3f} | {o['quote_subset_recall']:.3f} |")
    lines += ["", f"Time for the dev articles (extraction only, parse given): {json.dumps(r['timing_s'])}", ""]
    lines += ["## Cross-outlet matching", "",
              "Statements (sentences of quotes) sampled per compartment; `must not match` = pairs from",
              "different articles whose wording similarity (rapidfuzz ratio) is below 0.6 (both sides long",
              "enough for the embedding test), where an embedding match would be false (a sample of dev's",
              "matches read by hand were nearly all different statements on the same topic);",
              "positives = each statement against a perturbed copy",
              "(quote style/punctuation, truncation to 50-90%, a few words inserted/deleted).",
              "The embedding threshold was set on train as the lowest cosine with false-match rate",
              f"<= {args.max_fmr} on train's must-not-match pairs, but not below {args.min_embedding}",
              (f"(unclamped fit: {r['fit']['embedding_threshold_unclamped']:.4f}; used: "
               if r["fit"] else "(shipped; used: ") + f"{r['params']['group']['embedding']}).", "",
              "| split | must-not-match pairs | false matches (embedding) | rate | positives | "
              "recall lexical | recall lexical+embedding |", "|---|---|---|---|---|---|---|"]
    for split in [s for s in ("train", "dev") if f"grouping_{s}" in r]:
        g = r[f"grouping_{split}"]
        lines.append(f"| {split} | {g['must_not_match_pairs']} | {g['false_matches_embedding']} | "
                     f"{g['false_match_rate_embedding']:.2e} | {g['positives']} | {g['recall_lexical']:.3f} | "
                     f"{g['recall_lexical_or_embedding']:.3f} |")
    if "demo" in r:
        lines += ["", "## Demo corpus (corpus/seeds): groups over more than one article", ""]
        for d in r["demo"]:
            lines.append(f"- `{d['id']}` {d['speaker']!s} in {', '.join(d['articles'])}: \"{d['text'][:90]}\" "
                         f"(variants: {d['variants']})")
    lines += ["", "## Fitted parameters (package data `quotes_params.json`)", "", "```json",
              json.dumps({"group": r["params"]["group"],
                          "extract": {k: v for k, v in r["params"]["extract"].items() if k != "cue_lemmas"},
                          "n_cue_lemmas": len(r["params"]["extract"]["cue_lemmas"]),
                          "n_cue_lemmas_with_beliefs": len(r["params"]["extract_polnear"]["cue_lemmas"])},
                         indent=1), "```"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
