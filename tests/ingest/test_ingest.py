"""Ingestion: every input kind, the date rules, and every kind of bad input."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from newsweave.config import Settings
from newsweave.ingest import read_inputs
from newsweave.ingest.metadata import check_date, dateline_date
from newsweave.ingest.text import parse_text
from newsweave.models import Article
from newsweave.pipeline import ingest
from newsweave.store import Store
from tests.conftest import RESOURCES

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
    assert check_date(value)[0] == expected


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


# -- hostile input (issue 12): each case once broke a run or invented data -----------------

BODY = "Colonel Jose Luis Silva said in Washington that he no longer recognised the government."


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_file_name_with_a_non_utf8_byte(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/bad\xffbyte.txt", "wb") as fh:
        fh.write(BODY.encode())
    (folder / "good.txt").write_text("Another report\n\n" + BODY.replace("Washington", "Caracas"))
    results = _read(folder)
    names = [n for n, _ in results]
    assert names == [str(folder / "bad\\xffbyte.txt"), str(folder / "good.txt")]
    for name in names:
        name.encode("utf-8")  # no surrogates left: the store, the report and the terminal take it
        assert name.isprintable()
    assert [a.input for a in _articles(results)] == names
    with Store(settings.db_url) as store:
        fates = ingest([folder], store, settings)
        assert [(f.input, f.status) for f in fates] == [(n, "stored") for n in names]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain.txt", "plain.txt"),
        ("bad\udcffbyte.txt", "bad\\xffbyte.txt"),  # os.fsdecode of a non-UTF-8 byte
        ("line\nbreak\x00.txt", "line\\x0abreak\\x00.txt"),
        ("lone\ud800.json", "lone\\ud800.json"),
        ("Guaidó’s notes.txt", "Guaidó’s notes.txt"),
        ("bad\\xffbyte.txt", "bad\\xffbyte.txt"),  # already escaped: unchanged
    ],
)
def test_printable_name(raw: str, expected: str) -> None:
    from newsweave.ingest.metadata import printable_name

    assert printable_name(raw) == expected


def _read_with_timeout(path: Path, seconds: float = 20.0) -> list[tuple[str, Article | str]]:
    """Read ``path`` in a thread; fail (and unblock any FIFO) if it does not finish."""
    import threading

    out: list[tuple[str, Article | str]] = []
    worker = threading.Thread(target=lambda: out.extend(_read(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for fifo in path.glob("*.fifo") if path.is_dir() else []:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # let the blocked open() return
        worker.join(5)
        pytest.fail(f"reading {path} blocked")
    return out


def test_fifo_and_socket_are_skipped_without_blocking(tmp_path: Path) -> None:
    import socket

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(BODY)
    os.mkfifo(folder / "pipe.fifo")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "s.sock"))
    except OSError:  # path too long for AF_UNIX on this machine
        sock.close()
        sock = None  # type: ignore[assignment]
    try:
        results = dict(_read_with_timeout(folder))
    finally:
        if sock is not None:
            sock.close()
    assert isinstance(results[str(folder / "a.txt")], Article)
    assert results[str(folder / "pipe.fifo")] == "not a regular file (a FIFO), not read"
    if sock is not None:
        assert results[str(folder / "s.sock")] == "not a regular file (a socket), not read"


def test_device_path_is_skipped() -> None:
    ((name, reason),) = _read("/dev/null")
    assert (name, reason) == ("/dev/null", "not a regular file (a character device), not read")


def test_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text(BODY * 100)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened a file that stat says is too large")

    monkeypatch.setattr(os, "open", no_open)
    ((_, reason),) = _read(path, Settings(max_input_bytes=1000))
    assert isinstance(reason, str) and reason.startswith("file too large: 0.0 MB")


def test_gzip_size_limit_applies_to_decompressed_bytes(tmp_path: Path) -> None:
    import gzip
    import tracemalloc

    path = tmp_path / "bomb.txt.gz"
    with gzip.open(path, "wb", compresslevel=9) as gz:
        line = (BODY + "\n").encode()
        for _ in range(40):
            gz.write(line * 12_000)  # about 44 MB in all
    assert path.stat().st_size < 1_000_000
    settings = Settings(max_input_bytes=2_000_000)
    tracemalloc.start()
    try:
        ((name, reason),) = _read(path, settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert name == str(path)
    assert reason == "file too large (decompressed > 2000000 bytes): split it, or raise --max-bytes"
    assert peak < 8_000_000  # streamed: never the whole inflated file in memory


@pytest.mark.parametrize("suffix", [".txt.gz", ".txt.bz2", ".txt.xz"])
def test_compressed_text(tmp_path: Path, suffix: str) -> None:
    import bz2
    import gzip
    import lzma

    compress = {".txt.gz": gzip.compress, ".txt.bz2": bz2.compress, ".txt.xz": lzma.compress}[suffix]
    path = tmp_path / f"report{suffix}"
    path.write_bytes(compress(("Colonel speaks out\n\n" + BODY).encode()))
    (art,) = _articles(_read(path))
    assert art.title == "Colonel speaks out" and art.text == BODY


def test_corrupt_compressed_files(tmp_path: Path) -> None:
    import gzip

    whole = gzip.compress(("Colonel speaks out\n\n" + BODY * 50).encode())
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    ((_, reason),) = _read(tmp_path / "cut.txt.gz")
    assert isinstance(reason, str) and reason.startswith("corrupt compressed file: ")
    lines = "".join(json.dumps({"id": f"r{k}", "text": f"{BODY} Number {k}."}) + "\n" for k in range(2000))
    whole = gzip.compress(lines.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    results = _read(tmp_path / "cut.jsonl.gz")
    kept = _articles(results)
    assert kept and [a.meta["record_id"] for a in kept] == [f"r{k}" for k in range(len(kept))]
    (last,) = [r for _, r in results if isinstance(r, str)]
    assert last.startswith(f"corrupt compressed file after line {len(kept)}")


def test_gzip_jsonl_line_over_the_limit_is_skipped_alone(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "big.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as gz:
        gz.write(json.dumps({"id": "a", "text": BODY}) + "\n")
        gz.write(json.dumps({"id": "huge", "text": BODY * 30_000}) + "\n")
        gz.write(json.dumps({"id": "c", "text": BODY}) + "\n")
    results = _read(path, Settings(max_input_bytes=100_000))
    assert [a.meta["record_id"] for a in _articles(results)] == ["a", "c"]
    assert [(n, r) for n, r in results if isinstance(r, str)] == [
        (f"{path}#L2", "line 2 too large (> 100000 bytes): split it, or raise --max-bytes")]


def test_jsonl_bad_records_are_isolated(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "first", "text": BODY}),
        "[" * 100_000 + "]" * 100_000,  # deeply nested: RecursionError in the JSON parser
        "5",
        json.dumps({"id": "notext", "title": "No body"}),
        json.dumps({"id": "numtext", "text": 5}),
        json.dumps({"id": "listhtml", "html": ["<p>x</p>"]}),
        "{" * 50_000,
        json.dumps({"id": "last", "text": BODY.replace("Washington", "Caracas")}),
    ]
    path.write_text("\n".join(lines) + "\n")
    results = _read(path)
    assert [a.meta["record_id"] for a in _articles(results)] == ["first", "last"]
    skipped = [(n, r) for n, r in results if isinstance(r, str)]
    assert skipped == [
        (f"{path}#L2", "JSON on line 2 nested too deeply to read"),
        (f"{path}#L3", "record is a JSON int, not an object"),
        (f"{path}#notext", "record has neither 'text' nor 'html'"),
        (f"{path}#numtext", "field 'text' is a JSON int, not a string"),
        (f"{path}#listhtml", "field 'html' is a JSON list, not a string"),
        (f"{path}#L7", skipped[5][1]),
    ]
    assert skipped[5][1].startswith("malformed JSON on line 7") or "nested too deeply" in skipped[5][1]


def test_json_list_with_a_bad_item(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([{"id": "x", "text": BODY}, {"id": "y", "text": {"a": 1}}, 3,
                                {"id": "z", "text": BODY + " Again."}]))
    results = _read(path)
    assert [a.meta["record_id"] for a in _articles(results)] == ["x", "z"]
    assert [r for _, r in results if isinstance(r, str)] == [
        "field 'text' is a JSON dict, not a string", "record is a JSON int, not an object"]


def test_feed_entry_failure_is_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsweave.ingest.feed as feed

    real = feed.read_html
    calls: list[str] = []

    def flaky(html: str, input: str, url: str | None = None):  # type: ignore[no-untyped-def]
        calls.append(input)
        if len(calls) == 1:
            raise RecursionError("maximum recursion depth exceeded")
        return real(html, input, url=url)

    monkeypatch.setattr(feed, "read_html", flaky)
    results = _read(ING / "feed.xml")
    assert len(_articles(results)) == 1
    (bad,) = [(n, r) for n, r in results if isinstance(r, str)]
    assert bad[0] == calls[0] and "feed.xml#" in bad[0]
    assert bad[1] == "entry could not be read: RecursionError: maximum recursion depth exceeded"


def test_warc_record_failure_is_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    import newsweave.ingest.warc as warc

    html = (ING / "article.html").read_bytes()
    path = tmp_path / "crawl.warc"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for uri in ("https://a.example/1", "https://a.example/2"):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(html),
                                                          http_headers=headers))
    real = warc.read_html

    def flaky(html: str, input: str, url: str | None = None):  # type: ignore[no-untyped-def]
        if url == "https://a.example/1":
            raise ValueError("broken tree")
        return real(html, input, url=url)

    monkeypatch.setattr(warc, "read_html", flaky)
    results = _read(path)
    assert [a.url for a in _articles(results)] == ["https://a.example/2"]
    assert (f"{path}#https://a.example/1", "record could not be read: ValueError: broken tree") in results


# -- publication dates: a real calendar date, never later than the ingest --------------------

TODAY = __import__("datetime").date(2024, 6, 1)


@pytest.mark.parametrize(
    ("value", "iso", "reason"),
    [
        ("2019-01-27T10:00:00Z", "2019-01-27", None),
        ("Sat, 26 Jan 2019 18:30:00 GMT", "2019-01-26", None),
        ("2024-06-02", "2024-06-02", None),  # one day ahead: a time zone, not the future
        (True, None, "true: a JSON boolean, not a date"),
        (False, None, "false: a JSON boolean, not a date"),
        (2019, None, "2019: a number, not a date"),
        (0, None, "0: a number, not a date"),
        (1548590400, None, "1548590400: a number, not a date"),
        (["2019-01-27"], None, "['2019-01-27']: a JSON list, not a date"),
        ("now", None, "'now': relative, not a date"),
        ("today", None, "'today': relative, not a date"),
        ("3 weeks ago", None, "'3 weeks ago': relative, not a date"),
        ("in 2 days", None, "'in 2 days': relative, not a date"),
        ("next Friday", None, "'next Friday': relative, not a date"),
        ("1548590400", None, "'1548590400': not a date the date parser accepts"),
        ("2019", None, "'2019': not a date the date parser accepts"),
        ("2019-02-30", None, "'2019-02-30': not a date the date parser accepts"),
        ("banana", None, "'banana': not a date the date parser accepts"),
        ("2024-06-03", None, "'2024-06-03': later than the ingest date (2024-06-01)"),
        ("2099-07-04", None, "'2099-07-04': later than the ingest date (2024-06-01)"),
        ("July 4, 2099", None, "'July 4, 2099': later than the ingest date (2024-06-01)"),
    ],
)
def test_check_date(value: object, iso: str | None, reason: str | None) -> None:
    assert check_date(value, today=TODAY) == (iso, reason)


@pytest.mark.parametrize(
    ("published", "reason"),
    [
        (True, "metadata true: a JSON boolean, not a date"),
        (2019, "metadata 2019: a number, not a date"),
        (0, "metadata 0: a number, not a date"),
        ("now", "metadata 'now': relative, not a date"),
        ("2099-07-04", "metadata '2099-07-04': later than the ingest date"),
    ],
)
def test_bogus_metadata_dates_stay_unknown(tmp_path: Path, published: object, reason: str) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "r", "published": published, "text": BODY}])
    (art,) = _articles(_read(path))
    assert (art.published, art.published_from) == (None, None)
    (note,) = art.meta["published_rejected"]
    assert note.startswith(reason)


def test_future_dateline_and_url_dates_stay_unknown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Colonel defects from the government\nMarch 3, 2031\n\n" + BODY)
    path = _jsonl(tmp_path / "u.jsonl", [{"id": "u", "url": "https://x.example/2099/07/04/story", "text": BODY}])
    (art,) = _articles(_read(tmp_path / "a.txt"))
    assert art.published is None
    assert art.meta["published_rejected"][0].startswith("dateline '2031-03-03': later than the ingest date")
    (art,) = _articles(_read(path))
    assert art.published is None
    assert art.meta["published_rejected"][0].startswith("url '2099-07-04': later than the ingest date")


def test_a_rejected_date_gives_way_to_the_next_source(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "r", "published": "now",
                                          "url": "https://x.example/2019/01/27/story", "text": BODY}])
    (art,) = _articles(_read(path))
    assert (art.published, art.published_from) == ("2019-01-27", "url")
    assert art.meta["published_rejected"] == ["metadata 'now': relative, not a date"]


# -- encodings ------------------------------------------------------------------------------

NAIVE = "The naïve café owner said the rosé and the crème brûlée were “not bad” – for Zürich."


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe"),
     ("utf-16-be", b"\xfe\xff")],
)
def test_utf16_is_decoded(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes(bom + ("Café owner speaks\n\n" + NAIVE).encode(encoding))
    (art,) = _articles(_read(path))
    assert art.title == "Café owner speaks" and art.text == NAIVE


@pytest.mark.parametrize(
    "text",
    [
        NAIVE,
        "Naïve, he said.",
        "Le président a visité l'école à Noël; «c'est très bien», a-t-il déclaré à la presse française.",
        "Der Bürgermeister von München sagte, die Straße bleibe über Nacht gesperrt.",
        "El señor Pérez llegó a la reunión en Bogotá el miércoles por la mañana.",
        "It’s “fine”, she said — the café’s €5 coffee was naïve pricing.",
    ],
)
def test_windows_1252_short_texts(tmp_path: Path, text: str) -> None:
    from newsweave.ingest.decode import decode_bytes

    decoded, encoding = decode_bytes(text.encode("cp1252"))
    assert (decoded, encoding) == (text, "cp1252")


def test_utf8_with_one_bad_byte(tmp_path: Path) -> None:
    from newsweave.ingest.decode import decode_bytes

    data = NAIVE.encode() + b" Bad \xff byte."
    decoded, encoding = decode_bytes(data)
    assert encoding == "utf-8"
    assert decoded == NAIVE + " Bad \ufffd byte."


def test_cyrillic_legacy_text_is_not_read_as_western(tmp_path: Path) -> None:
    from newsweave.ingest.decode import decode_bytes

    text = ("Президент заявил в понедельник, что правительство продолжит переговоры с оппозицией "
            "и представителями армии. По его словам, соглашение будет подписано в ближайшие дни.")
    decoded, _ = decode_bytes(text.encode("cp1251"))
    assert decoded == text


# -- values of the wrong type, control characters --------------------------------------------

@pytest.mark.parametrize("language", [5, True, ["en"], {"code": "en"}, "english", "5"])
def test_bad_language_is_ignored_and_detected(tmp_path: Path, language: object) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "r", "language": language, "text": BODY}])
    (art,) = _articles(_read(path))
    assert art.language == "en"
    assert any(n.startswith("language ") for n in art.meta["ignored"])


@pytest.mark.parametrize("language", ["en", "EN", "en-US", "pt_BR", "fra"])
def test_language_codes_are_kept(tmp_path: Path, language: str) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "r", "language": language, "text": BODY}])
    (art,) = _articles(_read(path))
    assert art.language == language[:3].split("-")[0].split("_")[0].lower()
    assert "ignored" not in art.meta


def test_non_string_title_source_author_are_ignored(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "r", "title": 5, "source": ["a"], "author": {"n": 1},
                                          "url": 7, "text": BODY}])
    (art,) = _articles(_read(path))
    assert (art.title, art.source, art.author, art.url) == (None, None, None, None)
    assert sorted(n.split()[0] for n in art.meta["ignored"]) == ["author", "source", "title", "url"]


def test_control_characters_are_stripped(tmp_path: Path, settings: Settings) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{
        "id": "r", "title": "Colonel\x00 defects\x07 \ud800now", "source": "Wire\x1b[31m", "author": "A\x00B",
        "text": "Colonel\x00 Jose Luis Silva\x08 said\tin Washington\x0bthat he no longer recognised it.\ud800",
    }])
    (art,) = _articles(_read(path))
    assert art.title == "Colonel defects \ufffdnow"
    assert art.source == "Wire[31m" and art.author == "AB"
    assert art.text == "Colonel Jose Luis Silva said\tin Washington\nthat he no longer recognised it.\ufffd"
    with Store(settings.db_url) as store:
        (fate,) = ingest([path], store, settings)
        assert fate.status == "stored"
