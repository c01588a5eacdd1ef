"""Markdown and self-contained HTML dossiers, one page per storyline, from the dossier JSON.

Article text is untrusted input: every value goes through ``html.escape``
(HTML) or Markdown escaping before it is written. Each HTML page embeds its CSS
and needs no network; every cited span links to an anchor inside the article's
full text on the same page, where copied passages and cited evidence are
highlighted.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from newsweave.errors import NewsweaveError, OutputError
from newsweave.models import input_label
from newsweave.report.output import Outcome, atomic_write_text, clean
from newsweave.store import Store

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")
CSS = (Path(__file__).parent / "dossier.css").read_text(encoding="utf-8")


def md(text: Any) -> str:
    """Escape a value for Markdown (and for HTML embedded in Markdown), on one line, without control characters."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text, one_line=True))


def esc(text: Any) -> str:
    """Escape a value for HTML, without control characters (NUL and the like are invalid in HTML)."""
    return html.escape(clean(text), quote=True)


def labels_of(dossier: dict[str, Any]) -> dict[str, str]:
    """Short readable labels for article ids (see :func:`newsweave.models.input_label`)."""
    return {a["id"]: input_label(a.get("input") or "", a["id"]) for a in dossier["articles"]}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "story"


def story_views(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """One view per storyline (or per event story when there are no storylines; else the whole corpus)."""
    stories = dossier.get("stories", [])
    tops = [s for s in stories if s.get("level") == "storyline"] or [s for s in stories if s.get("level") == "event"]
    if not tops:
        return [{"id": "all", "label": "All articles", "article_ids": [a["id"] for a in dossier["articles"]],
                 "story_ids": []}]
    views = []
    for s in tops:
        children = [c for c in stories if c.get("parent_id") == s["id"] or c["id"] in (s.get("child_ids") or [])]
        views.append({**s, "story_ids": [s["id"], *[c["id"] for c in children]], "events": children})
    return views


def event_phrase(e: dict[str, Any]) -> str:
    """A readable line for a timeline entry: who did what (PLOVER type and mode) to whom."""
    what = (e.get("type") or "event").lower() + (f" ({e['mode']})" if e.get("mode") else "")
    if e.get("polarity") == "negated":
        what = "did not " + what
    parts = [e.get("actor_text") or "someone", what, e.get("target_text") or ""]
    return " ".join(p for p in parts if p).strip()


def main_entry(e: dict[str, Any]) -> bool:
    """A timeline entry shown up front: dated from the text, with an actor or a target."""
    dated = bool(e.get("date")) and e.get("date_precision") not in (None, "unknown") and "X" not in e["date"]
    return dated and bool(e.get("actor_text") or e.get("target_text"))


def key_entries(dossier: dict[str, Any], story_ids: set[str]) -> list[dict[str, Any]]:
    """The key dates of the stories of a view (timeline summarization), in date order."""
    rows = [e for t in dossier.get("key_timelines", []) if t.get("story_id") in story_ids for e in t["entries"]]
    return sorted(rows, key=lambda e: str(e.get("date")))


def _select(items: Iterable[dict[str, Any]], ids: set[str], key: str = "article_ids") -> list[dict[str, Any]]:
    return [x for x in items if set(x.get(key) or []) & ids]


def _cites(ids: Iterable[str], labels: dict[str, str]) -> str:
    return " ".join(f"<a class='cite' href='#art-{esc(a)}'>[{esc(labels.get(a, a))}]</a>" for a in ids)


def _ev_link(ev: dict[str, Any], labels: dict[str, str]) -> str:
    anchor = f"ev-{ev['article_id']}-{ev['start']}-{ev['end']}"
    label = f"{labels.get(ev['article_id'], ev['article_id'])}:{ev['start']}-{ev['end']}"
    return f"<a class='evidence-link' href='#{esc(anchor)}'>{esc(label)}</a>"


def _article_html(art: dict[str, Any], text: str, spans: list[tuple[int, int, str]],
                  anchors: set[tuple[int, int]]) -> str:
    """The article text with highlighted spans (copied passages, evidence) and evidence anchors."""
    cuts = {0, len(text)}
    for s, e, _ in spans:
        cuts.update((max(0, min(s, len(text))), max(0, min(e, len(text)))))
    starts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s, e in anchors:
        if 0 <= s < len(text):
            starts[s].append((s, e))
            cuts.add(s)
    points = sorted(cuts)
    parts = []
    for a, b in itertools.pairwise(points):
        for s, e in starts.get(a, []):
            parts.append(f"<span class='anchor' id='ev-{esc(art['id'])}-{s}-{e}'></span>")
        classes = sorted({c for s, e, c in spans if s <= a and b <= e})
        chunk = esc(text[a:b])
        parts.append(f"<mark class='{' '.join(classes)}'>{chunk}</mark>" if classes else chunk)
    return "".join(parts)


def evidence_everywhere(*sections: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every evidence span cited by any record of the given sections."""
    for section in sections:
        for rec in section:
            yield from rec.get("evidence", []) or []
            for sub in ("values", "variants", "roles"):
                for v in rec.get(sub, []) or []:
                    yield from v.get("evidence", []) or []
                    if "start" in v and "article_id" in v:
                        yield {"article_id": v["article_id"], "start": v["start"], "end": v["end"]}


MT_EXPLAINED = {
    "capitalized_common_word": "common nouns, verbs or adjectives capitalized mid-sentence outside any name "
                               "(a trace of German noun capitalization or of a translator treating a word as a name)",
    "lowercase_sentence_start": "sentences that open in lower case",
    "foreign_function_word": "frequent German, Spanish, French, Portuguese or Italian function words left in the text",
    "foreign_quote_marks": "low-9 or guillemet quotation marks kept from another language's typography",
}


def profile_hits(p: dict[str, Any]) -> list[dict[str, Any]]:
    """Every span a profile cites: loaded terms and where translation indicators fire."""
    hits = list(p.get("loaded_vocabulary", []))
    for ind in p.get("machine_translation", {}).values():
        hits += ind.get("hits", [])
    return hits


def _profiles_html(profiles: dict[str, dict[str, Any]], ids: set[str], labels: dict[str, str]) -> list[str]:
    """The source-profiles section: one block per outlet with its evidence links."""
    out = ["<section id='profiles'><h2>Source profiles</h2>"]
    for p in profiles.values():
        if not set(p["article_ids"]) & ids:
            continue
        orig = p.get("originality")
        out.append(f"<div class='profile'><h3>{esc(p['outlet'])}</h3><ul>")
        out.append(f"<li>articles: {_cites(p['article_ids'], labels)}; original text: "
                   f"{'unknown' if orig is None else f'{orig:.0%}'}; credits: "
                   f"{esc(', '.join(p.get('credited_wires', [])) or 'none')}</li>")
        if p.get("first_reported"):
            out.append("<li>reported first: " + "; ".join(
                f"{esc(c['subject'])} — {esc(c['value'])} ({esc(c['date'])})" for c in p["first_reported"][:8])
                + "</li>")
        if p.get("omitted_consensus"):
            out.append("<li>omits facts that independent sources agree on: " + "; ".join(
                f"{esc(c['subject'])} — {esc(c['value'])} ({c['independent_sources']} sources)"
                for c in p["omitted_consensus"][:8]) + "</li>")
        if p.get("discrepancies"):
            out.append("<li>carries values the independent sources do not support: " + "; ".join(
                f"<a href='#disc-{esc(d['discrepancy_id'])}'>{esc(d['kind'])}: {esc(d['value'])}</a>"
                for d in p["discrepancies"]) + "</li>")
        loaded = p.get("loaded_vocabulary", [])
        out.append(f"<li>loaded or emotive terms in its own voice: {len(loaded)} "
                   f"({p.get('loaded_per_1000_words', 0)} per 1,000 words)"
                   + (": " + " ".join(f"{esc(h['text'])} {_ev_link(h, labels)}" for h in loaded[:12]) if loaded else "")
                   + "</li>")
        for key, ind in p.get("machine_translation", {}).items():
            if not ind.get("count"):
                continue
            out.append(f"<li>translation sign — {esc(MT_EXPLAINED.get(key, key))}: {ind['per_1000_tokens']} per "
                       f"1,000 tokens (corpus median {ind['corpus_median']}): "
                       + " ".join(f"{esc(h['text'])} {_ev_link(h, labels)}" for h in ind.get("hits", [])[:12])
                       + "</li>")
        out.append("</ul></div>")
    out.append("</section>")
    return out


def story_html(dossier: dict[str, Any], view: dict[str, Any], texts: dict[str, str]) -> str:
    """One self-contained HTML page for one storyline."""
    labels = labels_of(dossier)
    ids = set(view["article_ids"])
    arts = [a for a in dossier["articles"] if a["id"] in ids]
    story_ids = set(view.get("story_ids") or [])
    summary = [s for s in dossier.get("summary", []) if s.get("story_id") in story_ids] or \
        _select(dossier.get("summary", []), ids)
    entities = _select(dossier.get("entities", []), ids)
    quotes = _select(dossier.get("quotes", []), ids)
    discrepancies = [d for d in dossier.get("discrepancies", [])
                     if {a for v in d["values"] for a in v["article_ids"]} & ids]
    reuse = [r for r in dossier.get("reuse", []) if r["copy_article_id"] in ids]
    timelines = [t for t in dossier.get("timelines", []) if t.get("story_id") in story_ids]
    profiles = {p["outlet"]: p for p in dossier.get("profiles", [])}
    span = f" · {esc(view['first_date'])} – {esc(view.get('last_date') or '')}" if view.get("first_date") else ""
    n_events = f" · {len(view['events'])} events" if view.get("events") else ""
    out: list[str] = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(view['label'])} — newsweave dossier</title><style>{CSS}</style></head><body>",
        f"<header><h1>{esc(view['label'])}</h1><p class='meta'>{len(arts)} articles{span}{n_events}</p></header>",
    ]
    # Summary
    out.append("<section id='summary'><h2>Summary</h2>")
    if summary:
        out.append("<ol>" + "".join(
            f"<li>{esc(s['text'])} {_cites(s['article_ids'], labels)}"
            f"{' · ' + ' '.join(_ev_link(e, labels) for e in s.get('evidence', [])) if s.get('evidence') else ''}</li>"
            for s in summary) + "</ol>")
    else:
        out.append("<p class='empty'>No summary for this story.</p>")
    out.append("</section>")
    # Timeline: the key dates first, then every extracted event
    out.append("<section id='timeline'><h2>Timeline</h2>")
    key_dates = key_entries(dossier, story_ids)
    if key_dates:
        out.append("<h3>Key dates</h3><table class='key-dates'><thead><tr><th>date</th><th>what happened</th>"
                   "<th>articles</th><th>independent sources</th></tr></thead><tbody>")
        for k in key_dates:
            said = "<br>".join(f"{esc(s['text'])} {_ev_link(s['evidence'], labels)}"
                               + (" <span class='meta'>(dated by publication)</span>"
                                  if s.get("dated_by") == "publication" else "")
                               for s in k["statements"])
            when = esc(k["date"]) + (" <span class='meta'>(background)</span>" if k.get("background") else "")
            out.append(f"<tr><td>{when}</td><td>{said}</td><td>{len(k['article_ids'])}</td>"
                       f"<td>{esc(k['independent_sources'])}</td></tr>")
        out.append("</tbody></table><h3>Extracted events</h3>")
    entries = [e for t in timelines for e in t.get("entries", [])]
    main = [e for e in entries if main_entry(e)]
    rest = [e for e in entries if not main_entry(e)]
    for group, rows in (("main", main), ("rest", rest)):
        if not rows:
            continue
        if group == "rest":
            out.append(f"<details><summary>{len(rows)} more entries (undated, dated only by publication, or "
                       "without actor and target)</summary>")
        out.append("<table><thead><tr><th>date</th><th>what happened</th><th>articles</th>"
                   "<th>independent sources</th><th>evidence</th></tr></thead><tbody>")
        for e in rows:
            what = esc(event_phrase(e))
            out.append(f"<tr><td>{esc(e.get('date') or 'unknown')}</td><td>{what}</td>"
                       f"<td>{len(e.get('article_ids', []))}</td><td>{esc(e.get('independent_sources', ''))}</td>"
                       f"<td>{' '.join(_ev_link(x, labels) for x in e.get('evidence', [])[:6])}</td></tr>")
        out.append("</tbody></table>" + ("</details>" if group == "rest" else ""))
    if not entries:
        out.append("<p class='empty'>No events found.</p>")
    out.append("</section>")
    # Sources
    out.append("<section id='sources'><h2>Sources</h2><table><thead><tr><th>article</th><th>outlet</th>"
               "<th>published</th><th>title</th><th>originality</th><th>credits</th><th>loaded terms</th>"
               "<th>translation signs</th></tr></thead><tbody>")
    for a in arts:
        prof = next((p for p in profiles.values() if a["id"] in p["article_ids"]), None)
        orig = prof.get("originality") if prof else None
        mt = prof.get("machine_translation", {}) if prof else {}
        signs = [f"{k.replace('_', ' ')} {v['per_1000_tokens']}/1k (median {v['corpus_median']})"
                 for k, v in mt.items() if v.get("count") and v["per_1000_tokens"] > max(2 * v["corpus_median"], 1)]
        out.append(
            f"<tr id='src-{esc(a['id'])}'><td><a href='#art-{esc(a['id'])}'>{esc(labels[a['id']])}</a></td>"
            f"<td>{esc(a.get('source') or 'unknown')}</td><td>{esc(a.get('published') or 'unknown')}</td>"
            f"<td>{esc(a.get('title') or '')}</td><td>{'' if orig is None else f'{orig:.0%}'}</td>"
            f"<td>{esc(', '.join(prof.get('credited_wires', [])) if prof else '')}</td>"
            f"<td>{len(prof.get('loaded_vocabulary', [])) if prof else 0}</td>"
            f"<td>{esc('; '.join(signs))}</td></tr>")
    out.append("</tbody></table></section>")
    # Discrepancies
    out.append("<section id='discrepancies'><h2>Discrepancies</h2>")
    if discrepancies:
        for d in discrepancies:
            out.append(f"<div class='discrepancy' id='disc-{esc(d.get('id', ''))}'><h3>{esc(d['kind'])}: "
                       f"{esc(d['description'])}</h3><ul>")
            for v in d["values"]:
                supported = " <strong>(supported)</strong>" if v["value"] == d.get("supported_value") else ""
                out.append(f"<li>{esc(v['value'])}{supported} — {_cites(v['article_ids'], labels)} · "
                           f"{esc(v.get('independent_sources', ''))} independent · "
                           + " ".join(_ev_link(e, labels) for e in v.get("evidence", [])[:8]) + "</li>")
            out.append(f"</ul><p class='meta'>confidence {esc(d.get('confidence', ''))}</p></div>")
    else:
        out.append("<p class='empty'>No discrepancies found.</p>")
    out.append("</section>")
    out.extend(_profiles_html(profiles, ids, labels))
    # Entities
    out.append("<section id='entities'><h2>Entities</h2><table><thead><tr><th>entity</th><th>kind</th>"
               "<th>variants</th><th>roles</th></tr></thead><tbody>")
    for ent in sorted(entities, key=lambda e: -len(e.get("article_ids") or [])):
        variants = "; ".join(
            f"{esc(v['text'])}{' <em class=flag>' + esc(', '.join(v['flags'])) + '</em>' if v.get('flags') else ''} "
            f"{_cites(v['article_ids'], labels)}" for v in ent["variants"])
        roles = "; ".join(f"{esc(r['text'])} {_cites(r['article_ids'], labels)}" for r in ent.get("roles", []))
        out.append(f"<tr id='ent-{esc(ent['id'])}'><td>{esc(ent['name'])}</td><td>{esc(ent['kind'])}</td>"
                   f"<td>{variants}</td><td>{roles}</td></tr>")
    out.append("</tbody></table></section>")
    # Quotes
    out.append("<section id='quotes'><h2>Quotes</h2>")
    names = {e["id"]: e["name"] for e in dossier.get("entities", [])}
    for q in sorted(quotes, key=lambda q: -len(q["article_ids"])):
        who = names.get(q.get("speaker_entity_id") or "", q.get("speaker_text") or "unattributed")
        out.append(f"<div class='quote'><blockquote>{esc(q['text'])}</blockquote><p>— {esc(who)} "
                   f"{_cites(q['article_ids'], labels)}</p>")
        if len(q["variants"]) > 1:
            out.append("<ul>" + "".join(
                f"<li>{esc(labels.get(v['article_id'], v['article_id']))}: {esc(v['text'])} "
                f"{_ev_link({'article_id': v['article_id'], 'start': v['start'], 'end': v['end']}, labels)}</li>"
                for v in q["variants"]) + "</ul>")
        out.append("</div>")
    if not quotes:
        out.append("<p class='empty'>No quotes found.</p>")
    out.append("</section>")
    # Copied passages and article texts
    out.append("<section id='reuse'><h2>Copied passages</h2>")
    if reuse:
        out.append("<ul>" + "".join(
            f"<li>{esc(labels.get(r['copy_article_id']))} reuses {r['share']:.0%} of its text from "
            f"{esc(labels.get(r['origin_article_id']))}{' (origin uncertain)' if r.get('origin_uncertain') else ''}: "
            + " ".join(_ev_link({"article_id": r["copy_article_id"], "start": p["copy_start"], "end": p["copy_end"]},
                                labels) for p in r["passages"][:12]) + "</li>" for r in reuse) + "</ul>")
    else:
        out.append("<p class='empty'>No copied passages between these articles.</p>")
    out.append("</section><section id='articles'><h2>Articles</h2>")
    cited = [e for e in evidence_everywhere(summary, entities, quotes, discrepancies, entries)]
    cited += [s["evidence"] for k in key_dates for s in k["statements"]]
    cited += [h for p in profiles.values() if set(p["article_ids"]) & ids for h in profile_hits(p)]
    for r in reuse:
        cited += [{"article_id": r["copy_article_id"], "start": p["copy_start"], "end": p["copy_end"]}
                  for p in r["passages"]]
    for a in arts:
        text = texts.get(a["id"], "")
        spans = [(p["copy_start"], p["copy_end"], "copied") for r in reuse if r["copy_article_id"] == a["id"]
                 for p in r["passages"]]
        spans += [(p["origin_start"], p["origin_end"], "copied-origin")
                  for r in dossier.get("reuse", []) if r["origin_article_id"] == a["id"] and r["copy_article_id"] in ids
                  for p in r["passages"]]
        ev_here = {(e["start"], e["end"]) for e in cited if e["article_id"] == a["id"]}
        spans += [(s, e, "evidence") for s, e in ev_here]
        out.append(f"<article id='art-{esc(a['id'])}'><h3>{esc(labels[a['id']])}: {esc(a.get('title') or '')}</h3>"
                   f"<p class='meta'>{esc(a.get('source') or 'unknown outlet')} · "
                   f"{esc(a.get('published') or 'date unknown')} · {esc(a.get('url') or a.get('input'))}</p>"
                   f"<div class='text'>{_article_html(a, text, spans, ev_here)}</div></article>")
    out.append("</section><footer>Generated by " + esc(dossier.get("generated_by")) +
               " · schema " + esc(dossier.get("schema")) + "</footer></body></html>\n")
    return "\n".join(out)


def story_markdown(dossier: dict[str, Any], view: dict[str, Any]) -> str:
    """One storyline as Markdown; every line cites ``[article:start-end]`` or ``[article]``."""
    labels = labels_of(dossier)
    ids = set(view["article_ids"])
    story_ids = set(view.get("story_ids") or [])

    def cite(aids: Iterable[str]) -> str:
        return " ".join(f"\\[{md(labels.get(a, a))}\\]" for a in aids)

    def evs(items: Iterable[dict[str, Any]]) -> str:
        return " ".join(f"\\[{md(labels.get(e['article_id'], e['article_id']))}:{e['start']}-{e['end']}\\]"
                        for e in items)

    lines = [f"# {md(view['label'])}", "", f"{len(ids)} articles.", "", "## Summary", ""]
    summary = [s for s in dossier.get("summary", []) if s.get("story_id") in story_ids] or \
        _select(dossier.get("summary", []), ids)
    lines += [f"{k}. {md(s['text'])} {cite(s['article_ids'])}" for k, s in enumerate(summary, 1)] or ["(none)"]
    lines += ["", "## Timeline", ""]
    key_dates = key_entries(dossier, story_ids)
    for k in key_dates:
        for s in k["statements"]:
            dated = " (dated by publication)" if s.get("dated_by") == "publication" else ""
            history = " (background)" if k.get("background") else ""
            lines.append(f"- **{md(k['date'])}**{history} {md(s['text'])} {evs([s['evidence']])}{dated} "
                         f"({len(k['article_ids'])} articles, {k['independent_sources']} independent)")
    if key_dates:
        lines += ["", "### Extracted events", ""]
    for t in dossier.get("timelines", []):
        if t.get("story_id") in story_ids:
            for e in t.get("entries", []):
                lines.append(f"- **{md(e.get('date') or 'unknown')}** {md(event_phrase(e))} "
                             f"({len(e.get('article_ids', []))} articles, {e.get('independent_sources', '?')} "
                             f"independent) {evs(e.get('evidence', [])[:4])}")
    lines += ["", "## Sources", "", "| article | outlet | published | title |", "|---|---|---|---|"]
    for a in dossier["articles"]:
        if a["id"] in ids:
            lines.append(f"| {md(labels[a['id']])} | {md(a.get('source') or 'unknown')} | "
                         f"{md(a.get('published') or 'unknown')} | {md(a.get('title') or '')} |")
    lines += ["", "## Discrepancies", ""]
    for d in dossier.get("discrepancies", []):
        if {a for v in d["values"] for a in v["article_ids"]} & ids:
            lines.append(f"- **{md(d['kind'])}**: {md(d['description'])} (confidence {d.get('confidence')})")
            for v in d["values"]:
                mark = " (supported)" if v["value"] == d.get("supported_value") else ""
                lines.append(f"  - {md(v['value'])}{mark}: {cite(v['article_ids'])} {evs(v.get('evidence', [])[:4])}")
    lines += ["", "## Source profiles", ""]
    for p in dossier.get("profiles", []):
        if not set(p["article_ids"]) & ids:
            continue
        orig = p.get("originality")
        lines.append(f"- **{md(p['outlet'])}**: original text {'unknown' if orig is None else f'{orig:.0%}'}; "
                     f"credits {md(', '.join(p.get('credited_wires', [])) or 'none')}; "
                     f"{len(p.get('loaded_vocabulary', []))} loaded terms "
                     + evs(p.get("loaded_vocabulary", [])[:6]))
        for key, ind in p.get("machine_translation", {}).items():
            if ind.get("count"):
                lines.append(f"  - translation sign, {md(MT_EXPLAINED.get(key, key))}: {ind['per_1000_tokens']} "
                             f"per 1,000 tokens (median {ind['corpus_median']}) {evs(ind.get('hits', [])[:6])}")
    lines += ["", "## Entities", ""]
    for ent in _select(dossier.get("entities", []), ids):
        variants = "; ".join(f"{md(v['text'])}{' (' + ', '.join(v['flags']) + ')' if v.get('flags') else ''} "
                             f"{cite(v['article_ids'])}" for v in ent["variants"])
        lines.append(f"- **{md(ent['name'])}** ({md(ent['kind'])}): {variants}")
        for r in ent.get("roles", []):
            lines.append(f"  - role: {md(r['text'])} {cite(r['article_ids'])}")
    lines += ["", "## Quotes", ""]
    for q in _select(dossier.get("quotes", []), ids):
        spans = ({"article_id": v["article_id"], "start": v["start"], "end": v["end"]} for v in q["variants"])
        lines.append(f"- “{md(q['text'])}” — {md(q.get('speaker_text') or 'unattributed')} {evs(spans)}")
    lines += ["", "## Copied passages", ""]
    for r in dossier.get("reuse", []):
        if r["copy_article_id"] in ids:
            lines.append(f"- {md(labels.get(r['copy_article_id']))} reuses {r['share']:.0%} from "
                         f"{md(labels.get(r['origin_article_id']))}: " + evs(
                             {"article_id": r["copy_article_id"], "start": p["copy_start"], "end": p["copy_end"]}
                             for p in r["passages"][:8]))
    return "\n".join(lines) + "\n"


def attempt(path: Path, write: Callable[[Path], object]) -> Outcome:
    """Run ``write(path)``; any failure is kept in the outcome instead of stopping the other outputs."""
    try:
        write(path)
    except NewsweaveError as exc:
        return Outcome(path, exc)
    except Exception as exc:  # a rendering bug in one page must not cost the others
        err = OutputError(f"cannot write {path}: {type(exc).__name__}: {exc}")
        err.__cause__ = exc
        return Outcome(path, err)
    return Outcome(path)


def _rendered(render: Callable[..., str], *args: Any) -> Callable[[Path], Path]:
    """A writer of what ``render(*args)`` returns (rendered only when written, inside :func:`attempt`)."""
    return lambda path: atomic_write_text(path, render(*args))


def write_reports(dossier: dict[str, Any], store: Store, out: Path | None,
                  json_path: Path | None = None) -> list[Outcome]:
    """Write every output, each on its own: one that fails does not keep the others from being written.

    Args:
        dossier: the dossier (see :func:`newsweave.report.dossier.build_dossier`).
        store: the store it was built from (for the article texts).
        out: a folder for ``dossier.json`` plus one Markdown and one HTML page per storyline and
            ``index.html`` (None: no folder).
        json_path: another place for the dossier JSON (None: none).

    Returns:
        One :class:`~newsweave.report.output.Outcome` per output, in the order written. Every file is
        replaced atomically; a failed one is left as it was. A dossier that does not validate against
        its schema is not written as JSON (:class:`~newsweave.errors.SchemaError`), but the Markdown and
        HTML pages still are.
    """
    from newsweave.report.dossier import validate, write_json

    outcomes: list[Outcome] = []
    json_targets = [p for p in (json_path, out / "dossier.json" if out else None) if p is not None]
    if json_targets:
        try:
            validate(dossier)
            invalid: NewsweaveError | None = None
        except NewsweaveError as exc:
            invalid = exc
        for target in json_targets:
            outcomes.append(Outcome(target, invalid) if invalid else
                            attempt(target, lambda p: write_json(dossier, p, validated=True)))
    if out is None:
        return outcomes
    texts = {a.id: a.text for a in store.articles()}
    index = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>newsweave dossiers</title>"
             f"<style>{CSS}</style></head><body><h1>newsweave dossiers</h1><ul>"]
    used: set[str] = set()
    for view in story_views(dossier):
        name = _slug(view["label"])
        while name in used:
            name += "-x"
        used.add(name)
        outcomes.append(attempt(out / f"{name}.md", _rendered(story_markdown, dossier, view)))
        page = attempt(out / f"{name}.html", _rendered(story_html, dossier, view, texts))
        outcomes.append(page)
        if page.ok:
            index.append(f"<li><a href='{esc(name)}.html'>{esc(view['label'])}</a> "
                         f"({len(view['article_ids'])} articles)</li>")
    index.append("</ul></body></html>\n")
    outcomes.append(attempt(out / "index.html", lambda p: atomic_write_text(p, "".join(index))))
    return outcomes
