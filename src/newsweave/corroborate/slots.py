"""Name and title slots of two renderings of one statement: a misspelt name, a different title before a name.

Two sentences of different articles that state the same thing in the same words (aligned by
:mod:`newsweave.corroborate.statements`) may differ in one word only. When that word is a capitalized
name written one edit apart on the two sides ("Dahlkemper" / "Dahlekmper"), one outlet misspelt it;
when it is a title directly before the same name ("Chancellor Angela Merkel" / "Minister Angela
Merkel"), one outlet gave the person another office. Entity resolution finds misspellings across
articles from the names alone and needs a shared role or quote to merge them
(:mod:`newsweave.entities.resolve`); here the rest of the sentence is the context, so a copy's one
misspelt word is enough.

Not a conflict: a plural or possessive, a short or familiar form of a given name
(:func:`newsweave.corroborate.claims.same_name_form`), two different known places ("Iran" / "Iraq"),
British and American spellings ("Technicolour" / "Technicolor"), words under four letters, a different first
letter in a word under six, titles outside :data:`TITLES` (generic words such as "leader" or "official" are
descriptions, not offices). A name written two
ways in several sentences of a story is one discrepancy, each spelling with every sentence that uses it. A
misspelt word at the start of a sentence is capitalized whatever it is: it is reported as a name all the same
(it is a spelling difference either way).
One edit apart is entity resolution's test (:func:`newsweave.entities.names.token_similar`): a swap of two
neighbouring letters is one edit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from newsweave.corroborate.claims import OFFICES, RANKS, WordingConflict, same_name_form
from newsweave.entities.names import token_similar
from newsweave.entities.places import different_known_places
from newsweave.textutil import fold_same_length

#: Single-word titles written before a name that name an office or a rank (compared as a slot): the one-word
#: offices and ranks of the role comparison, and the usual title words of news copy.
TITLES = frozenset(
    {k for k in (*OFFICES, *RANKS) if " " not in k and "-" not in k and not k.endswith(".")}
    | {"minister", "director", "representative", "rep", "sen", "gov", "justice", "commissioner",
       "secretary", "pope", "bishop", "cardinal", "sheriff", "detective", "inspector", "superintendent",
       "coach", "ceo", "prince", "princess", "emir", "ayatollah", "rabbi", "reverend", "professor", "dr"}
)
def _as_written(text: str, token: str, occurrence: int) -> tuple[str, int] | None:
    """The ``occurrence``-th whole-word match of the folded ``token`` in ``text`` (accents and case aside):
    the word as written and its offset."""
    folded = fold_same_length(text)
    found = list(re.finditer(r"(?<![\w'’])" + re.escape(token) + r"(?![\w'’])", folded))
    if occurrence >= len(found):
        return None
    m = found[occurrence]
    return text[m.start():m.end()], m.start()


#: British and American spellings of one word ("Technicolour" / "Technicolor", "organise" / "organize",
#: "centre" / "center"): the same word, not a misspelling.
_REGIONAL = [(re.compile(p), r) for p, r in (
    (r"(col|hon|lab|fav|harb|neighb|behavi|hum|rum|vig|flav|sav|val|arm|endeav|parl|od|tum|vap|clam|rig|splend|"
     r"ard|cand|ferv)our", r"\1or"), (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),
    (r"ys(e|es|ed|ing)$", r"yz\1"), (r"tre(s?)$", r"ter\1"), (r"ogue(s?)$", r"og\1"),
    (r"(travel|cancel|model|label|fuel|signal|level|counsel|jewel|marvel|channel|tunnel|total|dial|equal|rival|"
     r"quarrel|shovel|duel)l(ed|ing|er|ers)$", r"\1\2"),
)]


def _american(word: str) -> str:
    for pat, repl in _REGIONAL:
        word = pat.sub(repl, word)
    return word


def regional_variants(a: str, b: str) -> bool:
    """Whether two words are the British and American spellings of one word."""
    return a != b and _american(a.lower()) == _american(b.lower())


_NEXT_WORD = re.compile(r"[^\S\n]+(\w)")


def _capitalized_after(text: str, pos: int) -> bool:
    """Whether the word after ``pos`` (past spaces) starts with a capital letter (a name follows)."""
    m = _NEXT_WORD.match(text, pos)
    return bool(m and m.group(1).isupper())


def name_or_title(text_a: str, tokens_a: Sequence[str], text_b: str, tokens_b: Sequence[str]) -> WordingConflict | None:
    """The name or title slot in which two aligned renderings differ, if one word is all that differs there.

    Args:
        text_a, text_b: the two sentences as written.
        tokens_a, tokens_b: their :func:`newsweave.corroborate.claims.wording_tokens`.

    Returns:
        ``WordingConflict("name", a, b)`` for a capitalized name one edit apart, ``WordingConflict("title",
        a, b)`` for two different titles before a capitalized word, else None.
    """
    ops = SequenceMatcher(None, list(tokens_a), list(tokens_b), autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag != "replace" or i2 - i1 != 1 or j2 - j1 != 1:
            continue
        x, y = tokens_a[i1], tokens_b[j1]
        if not (x.isalpha() and y.isalpha()) or x == y:
            continue
        wa = _as_written(text_a, x, list(tokens_a[:i1]).count(x))
        wb = _as_written(text_b, y, list(tokens_b[:j1]).count(y))
        if wa is None or wb is None or not (wa[0][0].isupper() and wb[0][0].isupper()):
            continue
        if x in TITLES and y in TITLES:
            if OFFICES.get(x, RANKS.get(x, x)) != OFFICES.get(y, RANKS.get(y, y)) and \
                    _capitalized_after(text_a, wa[1] + len(wa[0])) and _capitalized_after(text_b, wb[1] + len(wb[0])):
                return WordingConflict("title", wa[0], wb[0])
            continue
        if not token_similar(x, y):  # the one-edit test of entity resolution (4+ letters, first letter kept)
            continue
        if same_name_form(wa[0], wb[0]) or same_name_form(wb[0], wa[0]) or different_known_places(wa[0], wb[0]) \
                or regional_variants(x, y):
            continue
        return WordingConflict("name", wa[0], wb[0])
    return None
