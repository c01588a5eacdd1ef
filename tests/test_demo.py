"""The demo corpus end to end: what every issue's "done when" asks of the seeds' dossier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsweave import pipeline
from newsweave.config import Settings
from newsweave.report.dossier import build_dossier, validate
from newsweave.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[dict[str, Any]]:
    """The seeds analysed once into a fresh store; the dossier plus a label -> article id map."""
    tmp = tmp_path_factory.mktemp("demo")
    settings = Settings(db_url=f"sqlite:///{tmp / 'demo.db'}")
    with Store(settings.db_url) as store:
        report = pipeline.analyze([seeds_dir], store, settings)
        assert not any(v.startswith("FAILED") for v in report.stages.values()), report.stages
        dossier = build_dossier(store, report.fates)
        texts = {a.id: a.text for a in store.articles()}
        again = pipeline.analyze([seeds_dir], store, settings)
    validate(dossier)
    ids = {Path(a["input"]).name[:3]: a["id"] for a in dossier["articles"]}
    yield {"dossier": dossier, "ids": ids, "texts": texts, "again": again}


def test_rerun_recomputes_nothing(demo: dict[str, Any]) -> None:
    again = demo["again"]
    assert again.counts()["stored"] == 0
    assert all(v in ("unchanged, not recomputed", "nothing new to annotate") for v in again.stages.values())


def test_stories(demo: dict[str, Any]) -> None:
    d, ids = demo["dossier"], demo["ids"]
    events = [s for s in d["stories"] if s["level"] == "event"]
    first = next(s for s in events if ids["000"] in s["article_ids"])
    assert {ids[k] for k in ("000", "001", "002", "003")} <= set(first["article_ids"])
    line = next(s for s in d["stories"] if s["level"] == "storyline" and ids["000"] in s["article_ids"])
    assert ids["004"] in line["article_ids"]
    why = next(a for a in d["story_assignments"] if a["article_id"] == ids["004"])
    assert why["reason"] and why["storyline_id"] == line["id"]


def test_reuse_001_from_000(demo: dict[str, Any]) -> None:
    d, ids, texts = demo["dossier"], demo["ids"], demo["texts"]
    link = next(r for r in d["reuse"] if {r["origin_article_id"], r["copy_article_id"]} == {ids["000"], ids["001"]})
    copied = [texts[link["copy_article_id"]][p["copy_start"]:p["copy_end"]] for p in link["passages"]]
    origin = [texts[link["origin_article_id"]][p["origin_start"]:p["origin_end"]] for p in link["passages"]]
    assert any("mistreat your people" in c for c in copied)
    assert any("mistreat your people" in o for o in origin)


def _entity(d: dict[str, Any], name: str) -> dict[str, Any]:
    (ent,) = [e for e in d["entities"] if e["name"].replace("á", "a") == name]
    return ent


def test_entities(demo: dict[str, Any]) -> None:
    d, ids = demo["dossier"], demo["ids"]
    silva = _entity(d, "Jose Luis Silva")
    salva = next(v for v in silva["variants"] if v["text"] == "Salva")
    assert "likely_misspelling" in salva["flags"] and salva["article_ids"] == [ids["002"]]
    guaido = _entity(d, "Juan Guaidó")
    texts = {v["text"]: v for v in guaido["variants"]}
    assert "Guaido" in texts and "likely_misspelling" in texts["Guadio"]["flags"]
    people = ["Nicolas Maduro", "Donald Trump", "Mike Pompeo", "Garrett Marquis", "Antonio Guterres", "Fergus Hodgson"]
    found = [_entity(d, n)["id"] for n in people] + [silva["id"], guaido["id"]]
    assert len(set(found)) == len(found)
    assert any("attach" in r["text"].lower() for r in silva["roles"])


def test_quote_groups(demo: dict[str, Any]) -> None:
    d, ids = demo["dossier"], demo["ids"]
    silva = _entity(d, "Jose Luis Silva")["id"]
    msg = next(q for q in d["quotes"] if "mistreat your people" in q["text"])
    assert {ids["000"], ids["001"]} <= set(msg["article_ids"]) and msg["speaker_entity_id"] == silva
    role = next(q for q in d["quotes"] if q["text"].startswith("The armed forces have a fundamental role"))
    assert {ids["001"], ids["002"]} <= set(role["article_ids"]) and role["speaker_entity_id"] == silva


def test_timeline_dates(demo: dict[str, Any]) -> None:
    d = demo["dossier"]
    entries = [e for t in d["timelines"] for e in t["entries"]]

    def dated(mode: str) -> set[str]:
        return {e["date"] for e in entries if e.get("mode") == mode and e["date"]}

    assert "2019-01-26" in dated("defect")
    assert "2019-01-23" in dated("recognize")
    assert "2019-01-23" in dated("break-relations")
    assert "2019-01-26" in dated("ultimatum")
    for e in entries:
        assert e["evidence"] and e["independent_sources"] >= 1


def test_discrepancies(demo: dict[str, Any]) -> None:
    d, ids = demo["dossier"], demo["ids"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for x in d["discrepancies"]:
        by_kind.setdefault(x["kind"], []).append(x)
    spellings = {v["value"] for x in by_kind["spelling"] for v in x["values"][1:]}
    assert {"Salva", "Guadio"} <= spellings
    role = by_kind["role"][0]
    amb = next(v for v in role["values"] if v["value"].startswith("ambassador"))
    assert amb["article_ids"] == [ids["002"]] and role["supported_value"].startswith("military attaché")
    pol = by_kind["polarity"][0]
    recognized = next(v for v in pol["values"] if "no longer" not in v["value"])
    assert recognized["article_ids"] == [ids["003"]] and pol["supported_value"] != recognized["value"]
    for x in d["discrepancies"]:
        for v in x["values"]:
            assert v["evidence"], x["description"]
            for ev in v["evidence"]:
                assert ev["end"] > ev["start"]


def test_summary_cites(demo: dict[str, Any]) -> None:
    d, texts = demo["dossier"], demo["texts"]
    assert d["summary"]
    for s in d["summary"]:
        assert s["article_ids"]
        for ev in s["evidence"]:
            assert texts[ev["article_id"]][ev["start"]:ev["end"]].strip()


def test_profiles_show_translation_signs_for_003(demo: dict[str, Any]) -> None:
    d, ids = demo["dossier"], demo["ids"]
    prof = {p["article_ids"][0]: p for p in d["profiles"]}
    mt = prof[ids["003"]]["machine_translation"]["capitalized_common_word"]
    others = [prof[ids[k]]["machine_translation"]["capitalized_common_word"]["per_1000_tokens"]
              for k in ("000", "001", "002", "004")]
    assert mt["per_1000_tokens"] > 3 * max(others)
    assert any(h["text"] in ("Video", "Ultimatum", "Minimum", "Agency") for h in mt["hits"])


def test_key_dates_cite_what_they_say(demo: dict[str, Any]) -> None:
    d, texts, ids = demo["dossier"], demo["texts"], demo["ids"]
    (timeline,) = d["key_timelines"]  # one storyline
    dates = [e["date"] for e in timeline["entries"]]
    assert dates == sorted(dates) and "2019-01-26" in dates and "2019-01-23" in dates
    for e in timeline["entries"]:
        assert e["independent_sources"] >= 1 and set(e["article_ids"]) <= set(texts)
        for s in e["statements"]:
            ev = s["evidence"]
            assert texts[ev["article_id"]][ev["start"]:ev["end"]] == s["text"]
            assert "“" not in s["text"]  # someone's words are quotes, not developments
            # nothing is dated from 004's photo caption ("... in Washington, US, January 26, 2019.")
            assert not (ev["article_id"] == ids["004"] and "is interviewed by Reuters" in s["text"])
