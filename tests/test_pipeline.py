"""The pipeline on the demo corpus: storage, annotation, incrementality, interruption, dossier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError as StoreIntegrityError

from newsweave import pipeline
from newsweave.annotate import to_doc
from newsweave.config import Settings
from newsweave.errors import SchemaError
from newsweave.report.dossier import build_dossier, validate, write_json
from newsweave.store import Store


def test_demo_end_to_end(seeds_dir: Path, settings: Settings, tmp_path: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    with Store(settings.db_url) as store:
        report = pipeline.analyze([seeds_dir], store, settings)
        assert report.counts() == {"stored": 5, "duplicate": 0, "skipped": 0}
        dossier = build_dossier(store, report.fates)
        out = tmp_path / "out.json"
        write_json(dossier, out)
        data = json.loads(out.read_text())
        validate(data)
        arts = {Path(a["input"]).name[:3]: a for a in data["articles"]}
        assert {k: arts[k]["published"] for k in arts} == {
            "000": "2019-01-27", "001": "2019-01-27", "002": None, "003": None, "004": None}
        assert {a["language"] for a in data["articles"]} == {"en"}
        # Annotations are offsets into the stored text, and rebuild a faithful spaCy Doc.
        anns = store.annotations()
        assert len(anns) == 5
        art = store.articles()[0]
        ann = anns[art.id]
        doc = to_doc(art.text, ann, nlp)
        assert doc.text == art.text
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == \
            [(e.start, e.end, e.label) for e in ann.entities]
        assert any(art.text[e.start:e.end] == "Nicolas Maduro" and e.label == "PERSON" for e in ann.entities)
        assert all(art.text[s.start:s.end].strip() for s in ann.sentences)

        # Re-running stores nothing new and redoes no annotation.
        again = pipeline.analyze([seeds_dir], store, settings)
        assert again.counts() == {"stored": 0, "duplicate": 5, "skipped": 0}
        assert again.stages["annotate"] == "nothing new to annotate"
        assert store.count_articles() == 5


def test_non_english_is_stored_but_not_annotated(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "es.txt").write_text(
        "El coronel José Luis Silva, agregado militar de Venezuela en Washington, anunció el sábado que "
        "reconoce a Juan Guaidó como presidente interino y pidió a las fuerzas armadas que no ataquen al pueblo."
    )
    with Store(settings.db_url) as store:
        pipeline.analyze([tmp_path / "es.txt"], store, settings)
        (art,) = store.articles()
        assert art.language == "es"
        assert store.annotations() == {}


def test_interrupted_annotation_resumes(seeds_dir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.batch_size = 1  # batches of 4 articles
    import newsweave.annotate as annotate_mod

    real = annotate_mod.annotate
    calls = {"n": 0}

    def dying(articles, nlp, batch_size=32):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # killed while the second batch runs
        yield from real(articles, nlp, batch_size)

    with Store(settings.db_url) as store:
        pipeline.ingest([seeds_dir], store, settings)
        monkeypatch.setattr(annotate_mod, "annotate", dying)
        with pytest.raises(KeyboardInterrupt):
            pipeline.annotate_new(store, settings)
        done = store.annotations()
        assert len(done) == 4  # the first batch is complete, nothing of the second
        for aid, ann in done.items():
            assert ann.tokens and ann.sentences, aid
        monkeypatch.setattr(annotate_mod, "annotate", real)
        assert pipeline.annotate_new(store, settings) == 1  # picks up where it stopped
        assert len(store.annotations()) == 5


def test_replace_records_is_atomic(store: Store, seeds_dir: Path, settings: Settings) -> None:
    pipeline.ingest([seeds_dir], store, settings)
    ids = [a.id for a in store.articles()]
    store.replace_records("story", [("s1", {"id": "s1"}, ids[:2])], scope="x")
    with pytest.raises(StoreIntegrityError):
        # A record citing an article that does not exist violates the foreign key: nothing changes.
        store.replace_records("story", [("s2", {"id": "s2"}, ["nope"])], scope="x")
    assert store.records("story") == [{"id": "s1"}]


def test_schema_rejects_bad_dossier(store: Store) -> None:
    dossier = build_dossier(store, [])
    validate(dossier)
    dossier["articles"] = [{"id": "x", "input": "f", "source": None, "url": None, "title": None,
                            "published": "27 Jan 2019", "language": "en"}]
    with pytest.raises(SchemaError, match="articles/0/published"):
        validate(dossier)


def test_old_clusterer_state_is_rebuilt(seeds_dir: Path, settings: Settings) -> None:
    from newsweave.stages import run_stories

    with Store(settings.db_url) as store:
        pipeline.analyze([seeds_dir], store, settings)
        before = {s["id"]: sorted(s["article_ids"]) for s in store.records("story")}
        store.set_state("stories:clusterer", {"df": {}, "events": []})  # a state saved by an older version
        said = run_stories(store, settings)
        assert "rebuilt" in said and said.startswith("5 articles placed")
        assert {s["id"]: sorted(s["article_ids"]) for s in store.records("story")} == before
        assert len(store.records("story_assignment")) == 5
