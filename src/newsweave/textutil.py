"""Text rules shared by stages: accent and case folding of surface forms; photo captions and credits."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case without accents (``"Guaidó"`` -> ``"guaido"``), for comparing surface forms.

    Invisible format characters (soft hyphens, zero-width spaces and joiners) are dropped too:
    ``"Park \xadGeun-hye"`` as extracted from a web page is the same name as ``"Park Geun-hye"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf").lower()


def fold_same_length(text: str) -> str:
    """:func:`fold` character by character, keeping every offset (an "…" stays one character)."""
    out = []
    for ch in text:
        folded = fold(ch)
        out.append(folded if len(folded) == 1 else ch.lower()[:1] or ch)
    return "".join(out)


#: A photo credit closing a line: "(Ronaldo Schemidt/AFP/Getty Images)", "(AP Photo/Ariana Cubillos)",
#: "(Photo: Reuters)"; or a line opened as a caption ("Photo:", "FILE PHOTO:", a gallery's "Photos: ...").
_PHOTO_CREDIT = re.compile(
    r"\((?:(?-i:[A-Z][\w.'’ -]*/[A-Z][^()\n]*)|[^()\n]*\b(?:Getty Images|AP Photo|AFP|EPA|Reuters|Shutterstock|"
    r"Photo|Image|Pool|File|via)\b[^()\n]*)\)[ \t]*\.?[ \t]*$"
    r"|^[ \t]*(?:photos?|images?|file photo|pictured|gallery|in pictures)[ \t]*[:\-–—]",
    re.IGNORECASE | re.MULTILINE)
#: A wire photo caption: the line ends with where and when the picture was taken, "... in Washington,
#: U.S., January 26, 2019." (body text gives dates without the place-comma-date-comma-year tail).
_WIRE_CAPTION = re.compile(
    r"\bin (?-i:[A-Z])[\w.'’ -]*(?:, (?-i:[A-Z])[\w.'’ -]*)*, (?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.) \d{1,2}, "
    r"\d{4}\.?[ \t]*$", re.IGNORECASE)


#: A caption describing its picture: "... is pictured in this undated handout photo", "... seen in a file image",
#: "A missile is launched ... in this undated photo released by KCNA" (this/these with a photo qualifier: body
#: text does not say "in this file photo").
_IN_THIS_PHOTO = re.compile(
    r"\b(?:pictured|seen|shown|photographed)\b[^.\n]{0,60}?\bin (?:this|these|an?|the above) "
    r"(?:(?:undated|handout|file|recent|aerial|combination|still)[ -])*(?:photo(?:graph)?s?|pictures?|images?|"
    r"handouts?|(?:video )?stills?|video grabs?|screen ?grabs?|screenshots?)\b"
    r"|\bin (?:this|these) (?:(?:undated|handout|file|aerial|combination)[ -])+(?:photo(?:graph)?s?|pictures?|"
    r"images?|handouts?|(?:video )?stills?)\b", re.IGNORECASE)


#: A line longer than this is not judged by what it says of a picture: a caption is a sentence or two, and
#: a text scraped as one line (a whole article) must not become a caption for one phrase in it.
CAPTION_MAX_CHARS = 500


def is_caption(line: str) -> bool:
    """Whether one line of text is a photo caption or credit (never a statement; a date there dates the picture)."""
    return bool(line.strip()) and bool(_PHOTO_CREDIT.search(line) or _WIRE_CAPTION.search(line)
                                       or (len(line) <= CAPTION_MAX_CHARS and _IN_THIS_PHOTO.search(line)))


def caption_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of the lines of ``text`` that are photo captions (see :func:`is_caption`)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if is_caption(line):
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out
