"""HTML pages: trafilatura for the main text, title, author and site; htmldate for the date.

htmldate runs without its extensive search, so that only the page's markup and
metadata give a date (never a date mentioned in passing in the text). When
markup is so broken that lxml (under trafilatura) swallows the body, for example
into an unclosed ``<title>``, the standard library's tolerant tokenizer recovers
the text of block elements (:class:`_TextRecovery`).
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser

from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.text import parse_text

logger = logging.getLogger(__name__)


_SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg", "button"}
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "blockquote",
          "tr", "title", "pre"}


class _TextRecovery(HTMLParser):
    """Collects text per block element, skipping navigation and scripts, from any tag soup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.title: str | None = None

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            if tag != "title" and self.title is None and self.blocks == [] and self.current:
                # Text so far sat in an unclosed <title>: the first block is the title.
                self.title = " ".join("".join(self.current).split())
                self.current = []
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)


def recover_text(html: str) -> tuple[str | None, str]:
    """Title and paragraph text of broken HTML, by the standard library's tolerant parser."""
    parser = _TextRecovery()
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = [b for b in parser.blocks if len(b.split()) >= 4]
    return parser.title, "\n\n".join(blocks)


def read_html(html: str, input: str, url: str | None = None) -> Draft:
    """Extract one article from an HTML page.

    Returns:
        A :class:`Draft`; its ``error`` says why when no article text was found.
    """
    import trafilatura
    from htmldate import find_date

    if "<" not in html:
        return failed(input, "not HTML: no markup found")
    try:
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        doc: dict = result.as_dict() if result is not None and not isinstance(result, dict) else (result or {})
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        logger.info("trafilatura failed on %s: %s", input, exc)
        doc = {}
    if not (doc.get("text") or "").strip():
        title, text = recover_text(html)
        if len(text) < 80:
            return failed(input, "no article text found in the HTML (page furniture or empty body)")
        doc = {**doc, "text": text, "title": doc.get("title") or title}
        logger.info("%s: malformed HTML, text recovered by the tolerant parser", input)
    try:
        date = find_date(html, extensive_search=False, original_date=True, url=url)
    except Exception:  # htmldate fails on some broken trees; the date stays unknown
        date = None
    parsed = parse_text(doc["text"], max_header_lines=2)
    return Draft(
        input=input,
        text=parsed.text,
        title=(doc.get("title") or parsed.title or None),
        source=doc.get("sitename") or doc.get("hostname") or None,
        url=url or doc.get("url") or None,
        published=date or doc.get("date") or None,
        dateline=parsed.published,
        language=doc.get("language") or None,
        author=doc.get("author") or None,
    )
