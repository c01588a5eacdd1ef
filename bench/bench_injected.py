"""Error injection: does newsweave catch one known error of each kind, and stay quiet elsewhere?

Real multi-outlet stories are taken from a dev corpus (``--data DIR``: ``articles.jsonl`` and
``gold_stories.json``). In each chosen story, the longest English article is copied once, the
copy carrying exactly one error and presented as another outlet's rewrite; the kinds rotate over
the stories (each story gets the kind injected least so far that it allows), so that no two
injected errors share a story and a flag:

* ``spelling`` — a person's surname, named by at least one other article of the story, is
  misspelled everywhere in the copy (two inner letters swapped);
* ``role`` — the title before a person's name is replaced by another ("President X" -> "Senator X");
* ``negation`` — a statement the copy shares with another article is negated ("was" -> "was not");
* ``number`` — a number that another article also gives is changed;
* ``date`` — a month-day or weekday that another article also gives is shifted;
* ``quote`` — a direct quote that another article also carries is negated inside the marks.

A kind that cannot be injected in a story (no title before a name, no shared number, ...) is
skipped there and counted (``not_injectable``). The whole pipeline (``newsweave.pipeline.analyze``) then runs over the
chosen stories' articles plus the copies, in a fresh store. Reported per kind: **recall** (an
injected error is found when a discrepancy cites the copy with a value or evidence span that
covers the injected text) and, for the stories, **false alarms per story** (discrepancies that cite
no injected copy: flags raised on the untouched articles). In the same run, a naive checker (every
entity with two spellings or two role strings, as in ``bench_discrepancies.py``) is scored the
same way.

    python bench/bench_injected.py --data ../shared/data/newscluster --out /tmp/inj_nc --stories 30

Writes ``injections.jsonl`` (every injection, found or not, with the matching flag) and
``summary.json`` under ``--out``. Exits non-zero when nothing could be injected or scored, or a
stage failed. Nothing here is fitted; ``--seed`` picks the stories.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _common import check_scored, check_stages, data_dir, note, read_json, read_jsonl, write_jsonl
from newsweave.config import Settings
from newsweave.pipeline import analyze
from newsweave.store import Store
from newsweave.textutil import fold

KINDS = ("spelling", "role", "negation", "number", "date", "quote")

_TITLES = ["President", "Prime Minister", "Senator", "Governor", "Minister", "General", "Secretary", "Ambassador",
           "Mayor", "Judge", "Colonel", "Chancellor", "Director", "Chairman", "Representative", "Admiral"]
_TITLE_RE = re.compile(r"\b(" + "|".join(re.escape(t) for t in _TITLES) + r")\s+((?:[A-Z][a-zé'’-]+\s?){1,3})")
_AUX_RE = re.compile(r"\b(was|were|is|are|has|have|had|will|would|can|could|did|does|do)\s+(?!not\b|n't\b)"
                     r"([a-z]{3,})\b")
_NUMBER_RE = re.compile(r"(?<![\w.,$-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.,]\d)")
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
_DATE_RE = re.compile(r"\b(" + _MONTHS + r")\s+(\d{1,2})\b")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b")
_QUOTE_RE = re.compile(r"[“\"]([^“”\"\n]{30,400})[”\"]")
_WORD = re.compile(r"[^\W\d_]{4,}")


def _words(text: str) -> set[str]:
    return {fold(w) for w in _WORD.findall(text)}


def _sentence_at(text: str, pos: int) -> tuple[int, int]:
    lo = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    hi_dot, hi_nl = text.find(". ", pos), text.find("\n", pos)
    ends = [h for h in (hi_dot, hi_nl) if h >= 0]
    return lo, (min(ends) + 1 if ends else len(text))


def _shared_elsewhere(snippet: str, others: list[str], need: float = 0.5) -> bool:
    """Whether another article states much the same (half of the snippet's content words in one sentence)."""
    words = _words(snippet)
    if len(words) < 3:
        return False
    for other in others:
        for sent in re.split(r"(?<=[.!?])\s+|\n", other):
            if len(words & _words(sent)) >= need * len(words):
                return True
    return False


def inject(kind: str, text: str, others: list[str], persons: list[str], rng: random.Random
           ) -> tuple[str, dict[str, Any]] | None:
    """One error of ``kind`` in ``text``: the new text and what was changed (span in the new text), or None."""
    other_all = "\n".join(others)
    if kind == "spelling":
        for name in persons:
            surname = name.split()[-1]
            if len(surname) < 5 or not surname.isalpha() or surname not in other_all:
                continue
            i = rng.randrange(1, len(surname) - 2)
            wrong = surname[:i] + surname[i + 1] + surname[i] + surname[i + 2:]
            if wrong == surname:
                continue
            first = text.find(surname)
            new = re.sub(rf"\b{re.escape(surname)}\b", wrong, text)
            return new, {"old": surname, "new": wrong, "changed": wrong, "start": first, "end": first + len(wrong)}
        return None
    if kind == "role":
        for m in _TITLE_RE.finditer(text):
            name = m.group(2).strip()
            if not any(name.split()[-1] in p for p in persons):
                continue
            title = m.group(1)
            other = _TITLES[(_TITLES.index(title) + 1 + rng.randrange(len(_TITLES) - 1)) % len(_TITLES)]
            new = text[: m.start(1)] + other + text[m.end(1):]
            return new, {"old": f"{title} {name}", "new": f"{other} {name}", "changed": other,
                         "start": m.start(1), "end": m.start(1) + len(other)}
        return None
    if kind == "negation":
        for m in _AUX_RE.finditer(text):
            lo, hi = _sentence_at(text, m.start())
            sentence = text[lo:hi]
            if '"' in sentence or "“" in sentence or not _shared_elsewhere(sentence, others):
                continue
            new = text[: m.end(1)] + " not" + text[m.end(1):]
            return new, {"old": text[m.start():m.end()], "new": f"{m.group(1)} not {m.group(2)}",
                         "changed": "not", "start": m.end(1) + 1, "end": m.end(1) + 4}
        return None
    if kind == "number":
        for m in _NUMBER_RE.finditer(text):
            raw = m.group(1)
            value = int(raw.replace(",", ""))
            if value < 2 or 1900 <= value <= 2100 or not re.search(rf"(?<![\d,]){re.escape(raw)}(?![\d,])",
                                                                     other_all):
                continue
            changed = value * 2 + 1 if value < 1000 else value + 1000
            wrong = f"{changed:,}" if "," in raw else str(changed)
            new = text[: m.start(1)] + wrong + text[m.end(1):]
            return new, {"old": raw, "new": wrong, "changed": wrong, "start": m.start(1),
                         "end": m.start(1) + len(wrong)}
        return None
    if kind == "date":
        for m in _DATE_RE.finditer(text):
            if m.group(0) not in other_all:
                continue
            day = int(m.group(2))
            moved = day + 3 if day <= 25 else day - 3
            wrong = f"{m.group(1)} {moved}"
            new = text[: m.start()] + wrong + text[m.end():]
            month = _MONTHS.split("|").index(m.group(1)) + 1
            return new, {"old": m.group(0), "new": wrong, "changed": str(moved), "iso": f"-{month:02d}-{moved:02d}",
                         "start": m.start(2), "end": m.start(2) + len(str(moved))}
        for m in _WEEKDAY_RE.finditer(text):
            if m.group(1) not in other_all:
                continue
            wrong = _WEEKDAYS[(_WEEKDAYS.index(m.group(1)) + 2) % 7]
            new = text[: m.start()] + wrong + text[m.end():]
            return new, {"old": m.group(1), "new": wrong, "changed": wrong, "start": m.start(),
                         "end": m.start() + len(wrong)}
        return None
    if kind == "quote":
        for m in _QUOTE_RE.finditer(text):
            inner = m.group(1)
            if not _shared_elsewhere(inner, others, need=0.7):
                continue
            aux = _AUX_RE.search(inner)
            if aux is None:
                continue
            at = m.start(1) + aux.end(1)
            new = text[:at] + " not" + text[at:]
            return new, {"old": inner, "new": inner[: aux.end(1)] + " not" + inner[aux.end(1):],
                         "changed": "not", "start": at + 1, "end": at + 4}
        return None
    raise ValueError(kind)


def _cites(flag: dict[str, Any], copy_id: str, inj: dict[str, Any]) -> bool:
    """Whether a discrepancy points at the injected error: a value the copy holds names the changed
    word ("Lpoez", "481", "not"), or its evidence in the copy covers the changed characters."""
    changed = fold(inj["changed"])
    for v in flag["values"]:
        if copy_id not in v["article_ids"]:
            continue
        value = fold(v["value"])
        if changed in re.findall(r"[\w'’.,-]+", value) or changed == value.strip() or inj.get("iso", "#") in value:
            return True
        for ev in v.get("evidence") or []:
            if ev["article_id"] == copy_id and ev["start"] < inj["end"] and inj["start"] < ev["end"]:
                return True
    return False


def naive_flags(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The naive checker's flags in discrepancy form: any entity with two spellings or two role strings."""
    out = []
    for e in entities:
        for kind, items in (("spelling", e.get("variants", [])), ("role", e.get("roles", []))):
            by_text: dict[str, set[str]] = defaultdict(set)
            for it in items:
                by_text[fold(it.get("text", ""))].update(it.get("article_ids") or [])
            if len(by_text) > 1:
                out.append({"kind": kind, "values": [{"value": t, "article_ids": sorted(a)}
                                                      for t, a in by_text.items()]})
    return out


def score(name: str, flags: list[dict[str, Any]], injections: list[dict[str, Any]], copies: set[str],
          n_stories: int) -> dict[str, Any]:
    """Recall per kind and false alarms per story for one checker's flags; each injection's
    ``found_by[name]`` is the flag that found it (kind and description) or None."""
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for inj in injections:
        total[inj["kind"]] += 1
        hit = next((f for f in flags if _cites(f, inj["copy_id"], inj)), None)
        inj.setdefault("found_by", {})[name] = None if hit is None else {
            "kind": hit["kind"], "description": hit.get("description", "")}
        if hit is not None:
            found[inj["kind"]] += 1
    untouched = [f for f in flags if not {a for v in f["values"] for a in v["article_ids"]} & copies]
    return {
        "recall": {k: round(found[k] / total[k], 3) for k in KINDS if total[k]},
        "found": dict(found), "injected": dict(total),
        "false_alarms": len(untouched), "false_alarms_per_story": round(len(untouched) / max(n_stories, 1), 3),
        "false_alarm_kinds": dict(Counter(f["kind"] for f in untouched)),
    }


def main() -> None:
    """Inject, analyse, score."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="dataset folder (articles.jsonl, gold_stories.json)")
    ap.add_argument("--out", type=Path, default=Path("bench/out/injected"))
    ap.add_argument("--stories", type=int, default=30, help="how many multi-article gold stories to use (one "
                    "injected copy each; kinds rotate)")
    ap.add_argument("--min-articles", type=int, default=3, help="a story needs this many English articles")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    data = data_dir(args.data, ["articles.jsonl", "gold_stories.json"])
    records = {str(r["id"]): r for r in read_jsonl(data / "articles.jsonl")}
    gold = {str(k): str(v) for k, v in read_json(data / "gold_stories.json").items()}
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rid, story in gold.items():
        r = records.get(rid)
        if r and (r.get("language") or "en") == "en" and len(r.get("text") or "") >= 100:
            by_story[story].append(r)
    eligible = sorted(s for s, rs in by_story.items() if len(rs) >= args.min_articles)
    check_scored(len(eligible), f"gold stories with >= {args.min_articles} English articles in {data}")
    rng = random.Random(args.seed)
    chosen = sorted(rng.sample(eligible, min(args.stories, len(eligible))))

    import spacy

    nlp = spacy.load(Settings().spacy_model, disable=["parser", "lemmatizer"])
    rows: list[dict[str, Any]] = []
    injections: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    made_per_kind: Counter[str] = Counter()
    for story in chosen:
        arts = sorted(by_story[story], key=lambda r: str(r["id"]))
        rows.extend(arts)
        target = max(arts, key=lambda r: (len(r["text"]), str(r["id"])))
        others = [r["text"] for r in arts if r is not target]
        persons = list(dict.fromkeys(e.text for e in nlp(target["text"]).ents if e.label_ == "PERSON"
                                     and len(e.text.split()) >= 2))
        # One copy per story with one error, of the kind injected least so far that this story allows:
        # copies of one story never share a flag, so each error is found (or missed) on its own.
        for kind in sorted(KINDS, key=lambda k: (made_per_kind[k], KINDS.index(k))):
            made = inject(kind, target["text"], others, persons, random.Random(f"{args.seed}-{story}-{kind}"))
            if made is None:
                skipped[kind] += 1
                continue
            text, inj = made
            copy_id = f"{target['id']}-inj-{kind}"
            rows.append({**target, "id": copy_id, "text": text, "source": f"injected-{kind}.example",
                         "url": None})
            injections.append({"story": story, "kind": kind, "source_id": str(target["id"]), "copy_id": copy_id,
                               **inj})
            made_per_kind[kind] += 1
            break
    check_scored(len(injections), "injected errors")
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = args.out / "articles.jsonl"
    write_jsonl(corpus, rows)
    db_file = args.out / "bench.db"
    for name in ("bench.db", "bench.db-wal", "bench.db-shm"):
        (args.out / name).unlink(missing_ok=True)
    db = f"sqlite:///{db_file.resolve()}"
    start = time.perf_counter()
    with Store(db) as store:
        report = analyze([corpus], store, Settings(db_url=db))
        record_of = {a.id: str(a.meta.get("record_id", a.id)) for a in store.articles()}
        flags = store.records("discrepancy")
        entities = store.records("entity")
    check_stages(report.stages)
    seconds = time.perf_counter() - start
    # the store's article ids -> the records' ids (the injection table speaks of records)
    for f in flags + (naive := naive_flags(entities)):
        for v in f["values"]:
            v["article_ids"] = [record_of.get(a, a) for a in v["article_ids"]]
            for ev in v.get("evidence") or []:
                ev["article_id"] = record_of.get(ev["article_id"], ev["article_id"])
    copies = {i["copy_id"] for i in injections}
    ours = score("newsweave", flags, injections, copies, len(chosen))
    base = score("naive", naive, injections, copies, len(chosen))
    write_jsonl(args.out / "injections.jsonl", injections)
    summary = {
        "data": str(data), "seed": args.seed, "stories": chosen, "articles": len(rows) - len(injections),
        "story_without_injection": sorted(set(chosen) - {i["story"] for i in injections}),
        "copies": len(injections), "not_injectable": dict(skipped), "seconds": round(seconds, 1),
        "stages": report.stages, "newsweave": ours, "naive_checker": base,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    print(f"{data.name}: {len(chosen)} stories, {len(injections)} injected copies "
          f"(not injectable: {dict(skipped) or 'none'}), {seconds:.0f} s")
    print("| checker | " + " | ".join(f"recall {k}" for k in KINDS) + " | false alarms per story |")
    print("|---|" + "---|" * (len(KINDS) + 1))
    for name, res in (("newsweave", ours), ("naive (two spellings / two roles)", base)):
        cells = [f"{res['recall'][k]:.2f} ({res['found'].get(k, 0)}/{res['injected'][k]})" if k in res["recall"]
                 else "-" for k in KINDS]
        print(f"| {name} | " + " | ".join(cells) + f" | {res['false_alarms_per_story']:.2f} |")
    if not flags:
        note("newsweave raised no discrepancy at all")


if __name__ == "__main__":
    main()
