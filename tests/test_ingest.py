"""Ingestion: every input kind, the date rules, and every kind of bad input."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from newsweave.config import Settings
from newsweave.ingest import read_inputs
from newsweave.ingest.metadata import dateline_date, parse_metadata_date
from newsweave.ingest.text import parse_text
from newsweave.models import Article
from newsweave.pipeline import ingest
from newsweave.store import Store

from .conftest import RESOURCES

ING = RESOURCES / "ingest"


def _read(path: Path | str, settings: Settings | None = None) -> list[tuple[str, Article | str]]:
    return list(read_inputs([path], settings or Settings()))


def _articles(results: list[tuple[str, Article | str]]) -> list[Article]:
    return [a for _, a in results if isinstance(a, Article)]


# -- dates and text shape -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("January 27, 2019 Updated: January 27, 2019", "2019-01-27"),
        ("Published: November 28, 2005", "2005-11-28"),
        ("Thu Nov 10, 2011 3:00pm EST", "2011-11-10"),
        ("2019-01-27", "2019-01-27"),
        ("27 January 2019", "2019-01-27"),
        # A caption or a sentence that merely contains a date is not a dateline.
        ("Venezuelan Army soldiers take part in a ceremony 13 April, 2007.", None),
        ("Maduro was inaugurated on January 10, 2019 in Caracas", None),
        ("5 years ago", None),
        ("Published :", None),
        ("05/03/2013", None),
    ],
)
def test_dateline(line: str, expected: str | None) -> None:
    assert dateline_date(line) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-01-27T10:00:00Z", "2019-01-27"),
        ("Sat, 26 Jan 2019 18:30:00 GMT", "2019-01-26"),
        ("January 28, 2019", "2019-01-28"),
        ("5 years ago", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_metadata_date(value: str | None, expected: str | None) -> None:
    assert parse_metadata_date(value) == expected


def test_text_header_furniture_and_captions() -> None:
    raw = (
        "World\n5 years ago\n\nUS holds talks with military officers\n\n"
        "A caption photographed in Washington, US, January 26, 2019 shows the colonel at his desk today.\n"
        "A caption photographed in Washington, US, January 26, 2019 shows the colonel at his desk today.\n\n"
        "Published :\n\nUpdated :\n\nThe United States is holding direct talks, an official said.\n\n"
        "[show_poll poll_id=7910]\n\nShare this news\n"
    )
    parsed = parse_text(raw)
    assert parsed.title == "US holds talks with military officers"
    assert parsed.published is None  # the caption's date is not a publication date
    assert "Share this news" not in parsed.text
    assert "show_poll" not in parsed.text
    assert "5 years ago" not in parsed.text
    assert parsed.text.count("A caption photographed") == 1


def test_seeds(seeds_dir: Path) -> None:
    arts = {Path(a.input).name[:3]: a for a in _articles(_read(seeds_dir))}
    assert sorted(arts) == ["000", "001", "002", "003", "004"]
    assert arts["000"].published == "2019-01-27"
    assert arts["001"].published == "2019-01-27"
    for k in ("002", "003", "004"):
        assert arts[k].published is None, k
    assert all(a.language == "en" for a in arts.values())
    assert arts["000"].title is None and arts["003"].title is None
    assert arts["001"].title == "Venezuelan Key Military Official Defects From Maduro Regime"
    assert arts["004"].title == "US holds direct contact with Venezuelan military"
    assert arts["000"].text.startswith("Venezuela’s top military envoy")
    assert "Latest News" not in arts["002"].text


# -- input kinds ----------------------------------------------------------------------------

def test_html() -> None:
    (art,) = _articles(_read(ING / "article.html"))
    assert art.title == "Colonel defects from Maduro government"
    assert art.published == "2019-01-27" and art.published_from == "metadata"
    assert art.source == "Example News"
    assert "fundamental role" in art.text
    assert "All rights reserved" not in art.text
    assert "Home" not in art.text.split()


def test_jsonl_with_truncated_line() -> None:
    results = _read(ING / "records.jsonl")
    arts = _articles(results)
    assert [a.meta["record_id"] for a in arts] == ["r1", "r2"]
    assert arts[0].source == "example.com"  # the URL's host when no outlet is given
    assert arts[0].published == "2019-01-27"
    assert arts[1].published == "2019-01-28"
    bad = [(n, r) for n, r in results if isinstance(r, str)]
    assert len(bad) == 1
    assert bad[0][0].endswith("records.jsonl#L3")
    assert "malformed JSON on line 3" in bad[0][1]


def test_jsonl_with_a_windows_1252_record(tmp_path: Path) -> None:
    good = json.dumps({"id": "u", "text": "Guaidó’s supporters said the colonel’s step mattered in Washington."})
    legacy = json.dumps({"id": "w", "text": "Guaidó’s allies said the “brave” colonel spoke in Washington."},
                        ensure_ascii=False).encode("cp1252")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good.encode() + b"\n" + legacy + b"\n")
    arts = _articles(_read(path))
    assert [a.meta["record_id"] for a in arts] == ["u", "w"]
    assert "Guaidó’s allies" in arts[1].text and "“brave”" in arts[1].text


def test_json_list(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([
        {"id": "x1", "source": "Outlet", "html": "<html><body><article><p>" + "Guaido welcomed the colonel. " * 5
         + "</p></article></body></html>", "published": "2019-01-26"},
        {"id": "x2", "text": ""},
    ]))
    results = _read(path)
    assert len(_articles(results)) == 1
    assert any(isinstance(r, str) and "neither 'text' nor 'html'" in r for _, r in results)


def test_feed() -> None:
    arts = _articles(_read(ING / "feed.xml"))
    assert len(arts) == 2
    assert {a.published for a in arts} == {"2019-01-26"}
    assert arts[0].source == "Example Wire"
    assert arts[0].url.endswith("venezuela-us-interest-sections")
    assert "televised speech" in arts[0].text
    assert arts[1].meta["summary_only"] is True


def test_warc(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = (ING / "article.html").read_bytes()
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for uri, body, ctype in (
            ("https://news.example.net/2019/01/27/colonel", html, "text/html; charset=utf-8"),
            ("https://news.example.net/logo.png", b"\x89PNG....", "image/png"),
        ):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
    (art,) = _articles(_read(path))
    assert art.url == "https://news.example.net/2019/01/27/colonel"
    assert art.input.endswith("#https://news.example.net/2019/01/27/colonel")
    assert art.published == "2019-01-27"


# -- bad input ------------------------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    ((name, reason),) = _read(tmp_path / "empty.txt")
    assert name.endswith("empty.txt") and reason == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 40)
    ((_, reason),) = _read(tmp_path / "image.txt")
    assert isinstance(reason, str) and reason.startswith("binary file")


def test_windows_1252(tmp_path: Path) -> None:
    text = "Guaidó’s supporters said the colonel’s “brave” step mattered – a lot – in Washington on Saturday."
    (tmp_path / "cp.txt").write_bytes(("Headline about the colonel\n\n" + text).encode("cp1252"))
    (art,) = _articles(_read(tmp_path / "cp.txt"))
    assert "Guaidó’s" in art.text and "“brave”" in art.text
    assert art.meta["encoding"].replace("_", "").lower() in {"cp1252", "windows-1252", "windows1252"}


def test_malformed_html() -> None:
    (art,) = _articles(_read(ING / "broken.html"))
    assert "interest sections" in art.text


def test_html_without_text(tmp_path: Path) -> None:
    (tmp_path / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    ((_, reason),) = _read(tmp_path / "nav.html")
    assert isinstance(reason, str) and "no article text" in reason


def test_huge_file_is_skipped_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        line = b"The colonel said the armed forces must not attack the people. " * 16 + b"\n"
        fh.truncate(0)
        while fh.tell() < 50_000_000:
            fh.write(line * 1000)
    ((name, reason),) = _read(path)
    assert name.endswith("huge.txt")
    assert isinstance(reason, str) and reason.startswith("file too large: 50.")


def test_unreadable_path(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Some article text that nobody may read because of its permissions, really.")
    path.chmod(0)
    try:
        results = _read(path)
    finally:
        path.chmod(0o644)
    if os.geteuid() == 0:  # root reads anything: check the missing-path case instead
        results = _read(tmp_path / "missing.txt")
        assert results == [(str(tmp_path / "missing.txt"), "no such file or directory")]
    else:
        assert "cannot read" in str(results[0][1])


def test_directory_with_thousands_of_files(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(3000):
        (folder / f"{k:05d}.txt").write_text(
            f"Report {k}\n\nOfficials in city number {k} said on Monday that roads were closed after storm {k}."
        )
    (folder / "dup.txt").write_text((folder / "00007.txt").read_text())
    (folder / "empty.txt").write_text("")
    with Store(settings.db_url) as store:
        fates = ingest([folder], store, settings)
        assert len(fates) == 3002
        counts = {s: sum(f.status == s for f in fates) for s in ("stored", "duplicate", "skipped")}
        assert counts == {"stored": 3000, "duplicate": 1, "skipped": 1}
        dup = next(f for f in fates if f.input.endswith("dup.txt"))
        assert "00007.txt" in dup.reason
        assert store.count_articles() == 3000


def test_run_goes_on_after_bad_inputs(tmp_path: Path, settings: Settings, seeds_dir: Path) -> None:
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02" * 100)
    with Store(settings.db_url) as store:
        fates = ingest([tmp_path / "bin.dat", tmp_path / "nope", seeds_dir, ING / "records.jsonl"], store, settings)
        by_status = {s: [f.input for f in fates if f.status == s] for s in ("stored", "skipped")}
        assert len(by_status["stored"]) == 7
        assert len(by_status["skipped"]) == 3  # binary, missing path, truncated JSON line
        # Re-ingesting the same inputs stores nothing new and says so.
        again = ingest([seeds_dir], store, settings)
        assert {f.status for f in again} == {"duplicate"}
        assert all("already stored" in f.reason for f in again)
        assert store.count_articles() == 7
