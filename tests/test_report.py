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
        written = list(write_reports(dossier, store, tmp / "out"))
    assert all(p.exists() for p in written)
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
