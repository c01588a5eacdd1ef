"""The pipeline on the demo corpus, on SQLite and PostgreSQL: storage, annotation, incrementality,
interruption, the fate of every input, dossier."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError as StoreIntegrityError

from newsweave import pipeline
from newsweave.annotate.nlp import to_doc
from newsweave.config import Settings
from newsweave.errors import SchemaError
from newsweave.models import Article
from newsweave.report.dossier import build_dossier, validate, write_json
from newsweave.store import Store
from tests.conftest import BACKENDS, DemoRuns


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn (the demo store of that backend is built once per session)."""
    return str(request.param)


def test_demo_end_to_end(demo_runs: DemoRuns, backend: str, tmp_path: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    run = demo_runs.get(backend)
    report = run.first
    assert report.counts() == {"stored": 5, "duplicate": 0, "skipped": 0}
    assert not any(v.startswith("FAILED") for v in report.stages.values()), report.stages
    with Store(run.url) as store:
        out = tmp_path / "out.json"
        write_json(run.dossier, out)
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
        again = run.again
        assert again.counts() == {"stored": 0, "duplicate": 5, "skipped": 0}
        assert again.stages["annotate"] == "nothing new to annotate"
        assert store.count_articles() == 5


@pytest.mark.slow
def test_demo_dossier_identical_on_sqlite_and_postgresql(demo_runs: DemoRuns) -> None:
    pg, lite = demo_runs.get("postgresql"), demo_runs.get("sqlite")
    assert lite.url != pg.url
    # The dossier holds no timestamp and no store URL: all of it must match, inputs included.
    for section in lite.dossier:
        assert lite.dossier[section] == pg.dossier[section], section
    assert json.dumps(lite.dossier, ensure_ascii=False) == json.dumps(pg.dossier, ensure_ascii=False)
    assert lite.dossier["entities"] and lite.dossier["quotes"] and lite.dossier["events"]


def test_non_english_is_stored_but_not_annotated(tmp_path: Path, db_settings: Settings) -> None:
    (tmp_path / "es.txt").write_text(
        "El coronel José Luis Silva, agregado militar de Venezuela en Washington, anunció el sábado que "
        "reconoce a Juan Guaidó como presidente interino y pidió a las fuerzas armadas que no ataquen al pueblo."
    )
    with Store(db_settings.db_url) as store:
        pipeline.ingest([tmp_path / "es.txt"], store, db_settings)
        assert pipeline.annotate_new(store, db_settings) == 0
        (art,) = store.articles()
        assert art.language == "es"
        assert store.annotations() == {}


def test_interrupted_annotation_resumes(seeds_dir: Path, db_settings: Settings,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = db_settings
    settings.annotate_batch = 4
    import newsweave.annotate.nlp as annotate_mod

    real = annotate_mod.annotate

    def dying(articles, nlp, batch_size=32, processes=1):  # type: ignore[no-untyped-def]
        for k, ann in enumerate(real(articles, nlp, batch_size, processes)):
            if k == 4:
                raise KeyboardInterrupt  # killed while the second batch runs
            yield ann

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


def test_replace_records_is_atomic(db_store: Store, seeds_dir: Path, db_settings: Settings) -> None:
    store = db_store
    pipeline.ingest([seeds_dir], store, db_settings)
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


def test_old_clusterer_state_is_rebuilt(demo_runs: DemoRuns, backend: str) -> None:
    from newsweave.stories.stage import run_stories

    with demo_runs.copy(backend) as url, Store(url) as store:
        settings = Settings(db_url=url)
        before = {s["id"]: sorted(s["article_ids"]) for s in store.records("story")}
        store.set_state("stories:clusterer", {"df": {}, "events": []})  # a state saved by an older version
        said = run_stories(store, settings)
        assert "rebuilt" in said and said.startswith("5 articles placed")
        assert {s["id"]: sorted(s["article_ids"]) for s in store.records("story")} == before
        assert len(store.records("story_assignment")) == 5


# -- the fate of every input (issue 12, defects 1 and 9) ----------------------------------------

BODY = "Colonel Jose Luis Silva said in Washington on Saturday that he no longer recognised the government {}."


def test_fates_are_in_input_order(tmp_path: Path, db_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave.ingest import read_inputs

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(BODY.format("a"))
    (folder / "b_empty.txt").write_text("")
    (folder / "c.txt").write_text(BODY.format("c"))
    (folder / "d_same_as_a.txt").write_text(BODY.format("a"))
    (folder / "e.bin").write_bytes(b"\x00\x01\x02" * 50)
    (folder / "f.txt").write_text(BODY.format("f"))
    (folder / "g_empty.txt").write_text("")
    monkeypatch.setattr(pipeline, "INGEST_BATCH", 2)  # batches end between a skipped input and a stored one
    read = [name for name, _ in read_inputs([folder], db_settings)]
    with Store(db_settings.db_url) as store:
        fates = pipeline.ingest([folder], store, db_settings)
    assert [f.input for f in fates] == read
    assert [(Path(f.input).name, f.status) for f in fates] == [
        ("a.txt", "stored"), ("b_empty.txt", "skipped"), ("c.txt", "stored"), ("d_same_as_a.txt", "duplicate"),
        ("e.bin", "skipped"), ("f.txt", "stored"), ("g_empty.txt", "skipped")]
    assert "a.txt" in fates[3].reason


def _article(name: str, text: str, **kw: object) -> Article:
    """An article as a reader would make it (built here: the readers now clean names at their source)."""
    kw.setdefault("language", "en")
    return Article(id=hashlib.sha256(text.encode()).hexdigest()[:17], text=text, input=name,
                   **kw)  # type: ignore[arg-type]


def test_a_bad_value_does_not_take_its_batch_down(db_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs: list[tuple[str, Article | str]] = [
        ("good1.txt", _article("good1.txt", BODY.format(1))),
        ("bad\udcffbyte.txt", _article("bad\udcffbyte.txt", BODY.format(2))),  # a name no database can store
        ("gone.txt", "no such file or directory"),
        ("nul.json#1", _article("nul.json#1", BODY.format(3), title="Colonel\x00 defects")),
        ("good2.txt", _article("good2.txt", BODY.format(4))),
        ("lang.json#2", _article("lang.json#2", BODY.format(5), language=5)),
    ]
    monkeypatch.setattr(pipeline, "read_inputs", lambda paths, settings: iter(inputs))
    with Store(db_settings.db_url) as store:
        fates = pipeline.ingest(["ignored"], store, db_settings)
        assert [(f.input, f.status) for f in fates] == [
            ("good1.txt", "stored"), ("bad\udcffbyte.txt", "skipped"), ("gone.txt", "skipped"),
            ("nul.json#1", "skipped"), ("good2.txt", "stored"), ("lang.json#2", "skipped")]
        assert "input is not valid Unicode (lone surrogate U+DCFF" in fates[1].reason
        assert "title contains a NUL character" in fates[3].reason
        assert "language is a int, not text" in fates[5].reason
        assert [a.input for a in store.articles()] == ["good1.txt", "good2.txt"]
        assert store.count_articles() == 2


#: record kinds made from one article alone (extracted once per article and version)
PER_ARTICLE_KINDS = ("event_raw", "quote_raw", "corroborate_raw", "reuse_raw", "entity_raw", "tls_raw", "summary_raw")


@pytest.mark.slow
def test_one_run_or_five_batches_give_identical_per_article_records(demo_runs: DemoRuns, seeds_dir: Path,
                                                                     tmp_path: Path) -> None:
    """The demo corpus analysed in one run, and one article per run: the same annotations and per-article
    records (story-level results may differ only through arrival-dependent clustering)."""
    batched = tmp_path / "batched.db"
    settings = Settings(db_url=f"sqlite:///{batched}")
    with Store(settings.db_url) as store:
        for path in sorted(seeds_dir.iterdir()):
            report = pipeline.analyze([path], store, settings)
            assert report.counts()["stored"] == 1
            assert not any(v.startswith("FAILED") for v in report.stages.values()), report.stages
        ann_b = {a: x.to_dict() for a, x in store.annotations().items()}
        rec_b = {k: sorted(store.records(k), key=lambda r: r["article_id"]) for k in PER_ARTICLE_KINDS}
    with Store(demo_runs.get("sqlite").url) as store:
        ann_1 = {a: x.to_dict() for a, x in store.annotations().items()}
        rec_1 = {k: sorted(store.records(k), key=lambda r: r["article_id"]) for k in PER_ARTICLE_KINDS}
    assert len(ann_1) == 5 and ann_b == ann_1
    for kind in PER_ARTICLE_KINDS:
        assert len(rec_1[kind]) == 5, kind
        assert rec_b[kind] == rec_1[kind], kind
