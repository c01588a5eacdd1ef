"""The Markdown and HTML reports: escaping, sections, evidence links; the HTML page in a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsweave import pipeline
from newsweave.config import Settings
from newsweave.report.dossier import build_dossier, validate
from newsweave.report.render import write_reports
from newsweave.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ("summary", "timeline", "sources", "discrepancies", "profiles", "entities", "quotes", "reuse", "articles")
EVIL = (
    "Opposition leader <script>window.__pwned = 1</script> said on Monday that the talks with the "
    "government <img src=x onerror=\"window.__pwned = 2\"> had failed, according to officials in Caracas."
)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The demo corpus plus one hostile article, analysed and rendered once."""
    tmp = tmp_path_factory.mktemp("report")
    (tmp / "evil.txt").write_text(EVIL)
    settings = Settings(db_url=f"sqlite:///{tmp / 'r.db'}")
    with Store(settings.db_url) as store:
        report = pipeline.analyze([seeds_dir, tmp / "evil.txt"], store, settings)
        dossier = build_dossier(store, report.fates)
        validate(dossier)
        written = write_reports(dossier, store, tmp / "out")
    assert written and all(o.ok and o.path.exists() for o in written)
    yield tmp / "out", dossier


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*.html") if p.name != "index.html")


def test_untrusted_text_is_escaped(demo_report: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo_report
    pages = _pages(out)
    assert pages
    html = "\n".join(p.read_text() for p in pages)
    assert "window.__pwned = 1" in html  # the text is shown ...
    assert "<script>window.__pwned" not in html  # ... but never as markup
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    md = "\n".join(p.read_text() for p in out.glob("*.md"))
    assert "<script>" not in md


def test_markdown_cites_every_summary_sentence(demo_report: tuple[Path, dict[str, Any]]) -> None:
    out, dossier = demo_report
    md = "\n".join(p.read_text() for p in out.glob("*.md"))
    assert "## Discrepancies" in md and "## Summary" in md
    for item in dossier["summary"]:
        assert item["article_ids"], item


@pytest.mark.browser
def test_html_page_in_chromium(demo_report: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("NEWSWEAVE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (NEWSWEAVE_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    out, _ = demo_report
    # The demo storyline's page: the one that lists discrepancies.
    page_path = next(p for p in _pages(out) if "class='discrepancy'" in p.read_text())
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            for section in SECTIONS:
                assert page.locator(f"section#{section} h2").is_visible(), section
            # No script from an article ran, on any page.
            for p in _pages(out):
                page.goto(p.as_uri())
                assert page.evaluate("window.__pwned === undefined")
            page.goto(page_path.as_uri())
            discrepancies = page.locator("#discrepancies .discrepancy")
            assert discrepancies.count() >= 1
            link = discrepancies.first.locator("a.evidence-link").first
            href = link.get_attribute("href")
            assert href and href.startswith("#ev-")
            link.click()
            assert page.evaluate("location.hash") == href
            target = page.locator(f"[id='{href[1:]}']")
            assert target.count() == 1
            # The anchor sits inside the cited article's text, and the evidence is in view.
            article = target.locator("xpath=ancestor::article")
            assert article.count() == 1
            assert target.evaluate("el => { const r = el.getBoundingClientRect(); "
                                   "return r.bottom > 0 && r.top < window.innerHeight; }")
            # Where a translation indicator fires is linked to the span in the article text.
            sign = page.locator("#profiles li", has_text="translation sign").first.locator("a.evidence-link").first
            sign_href = sign.get_attribute("href")
            assert sign_href and page.locator(f"[id='{sign_href[1:]}']").count() == 1
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=str(tmp_path / "dossier.png"), full_page=False)
            assert (tmp_path / "dossier.png").stat().st_size > 10_000
        finally:
            browser.close()


CONTROLS = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]))


def test_control_characters_never_reach_the_pages(demo_report: tuple[Path, dict[str, Any]]) -> None:
    import copy

    from newsweave.report.render import story_html, story_markdown, story_views

    _, dossier = demo_report
    d = copy.deepcopy(dossier)
    hostile = "Caracas\x00 talks\x1b[31m red\x07 \x85next\udcff"
    for a in d["articles"]:
        a["title"], a["source"], a["input"] = hostile, hostile, "in\x00put\udcff.txt"
    for section, key in (("entities", "name"), ("quotes", "text"), ("summary", "text")):
        for rec in d[section]:
            rec[key] = hostile
    texts = {a["id"]: f"text\x00 with\x1b[2J controls\x0b{hostile}" for a in d["articles"]}
    for view in story_views(d):
        for page in (story_markdown(d, view), story_html(d, view, texts)):
            assert not set(page) & set(CONTROLS), sorted({hex(ord(c)) for c in set(page) & set(CONTROLS)})
            assert "\udcff" not in page and "\ufffd" in page
            assert "Caracas talks[31m red" in page or "Caracas talks\\[31m red" in page
            page.encode("utf-8")  # writable as UTF-8


def test_dossier_json_with_surrogates_is_valid_utf8(tmp_path: Path) -> None:
    import json

    from newsweave.report.dossier import write_json

    d = {"schema": "newsweave.dossier/1", "generated_by": "test", "inputs": [
        {"input": "bad\udcffbyte.txt", "status": "skipped", "reason": "nul \x00 here", "article_id": None}],
        "articles": [], "stories": [], "entities": [], "quotes": [], "events": [], "reuse": [],
        "discrepancies": [], "summary": []}
    path = write_json(d, tmp_path / "d.json")
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict
    assert b"\x00" not in raw
    back = json.loads(raw)
    assert back["inputs"][0]["input"] == "bad\udcffbyte.txt" and back["inputs"][0]["reason"] == "nul \x00 here"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsweave.errors import NewsweaveError
    from newsweave.report import output

    target = tmp_path / "page.html"
    target.write_text("old page")
    output.atomic_write_text(target, "new page")
    assert target.read_text() == "new page" and target.stat().st_mode & 0o044  # readable as usual, not 0600

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", no_rename)
    with pytest.raises(NewsweaveError, match=r"^\[E040\] cannot write .*page.html: .*No space left"):
        output.atomic_write_text(target, "newer page")
    assert target.read_text() == "new page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_each_output_is_written_on_its_own(demo_report: tuple[Path, dict[str, Any]], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, seeds_dir: Path) -> None:
    from newsweave.report import render

    _, dossier = demo_report

    def broken(*args: Any) -> str:
        raise ValueError("bad page")

    monkeypatch.setattr(render, "story_markdown", broken)
    with Store(f"sqlite:///{tmp_path / 'empty.db'}") as store:
        outcomes = write_reports(dossier, store, tmp_path / "out", tmp_path / "d.json")
    failed = [o for o in outcomes if not o.ok]
    assert failed and all(o.path.suffix == ".md" for o in failed)
    assert all(o.error is not None and o.error.code == "E040" and "ValueError: bad page" in str(o.error)
               for o in failed)
    assert (tmp_path / "d.json").exists() and (tmp_path / "out" / "dossier.json").exists()
    assert (tmp_path / "out" / "index.html").exists()
    assert len([o for o in outcomes if o.ok and o.path.suffix == ".html"]) == len(failed) + 1


def test_refused_dates_and_ignored_fields_are_in_the_dossier(tmp_path: Path) -> None:
    import json

    text = "Officials in Caracas said on Monday that the talks with the government had failed after a week. " * 2
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "published": "now", "language": 5, "text": text}) + "\n")
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'p.db'}")
    with Store(settings.db_url) as store:
        pipeline.ingest([tmp_path / "a.jsonl"], store, settings)
        dossier = build_dossier(store)
    validate(dossier)
    (art,) = dossier["articles"]
    assert art["published"] is None
    assert len(art["published_rejected"]) == 1 and "'now'" in art["published_rejected"][0]
    assert len(art["ignored"]) == 1 and art["ignored"][0].startswith("language")
    assert art["language"] == "en"
