"""Run sumy's LexRank on pre-split sentences (peer for bench/bench_summary.py).

Reads JSON Lines on stdin, ``{"id": str, "sentences": [str, ...], "k": int}``, and
writes ``{"id": str, "selected": [sentence indices in document order]}`` per line.

sumy is run in its own virtual environment (see bench/requirements-summary.txt):
it pins ``setuptools<82,>=78.1.1`` and pulls in ``chardet``, which ``requests``
would then prefer over ``charset-normalizer`` in newsweave's environment. Its
default NLTK tokenizers need the ``punkt`` data, which cannot be downloaded at
run time, so the document is built here from sentences that spaCy already split
(the same sentences newsweave sees) and words come from a plain regex tokenizer;
LexRank itself, the Snowball stemmer and sumy's English stop list need no data.
"""

from __future__ import annotations

import json
import re
import sys

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

_WORD = re.compile(r"[^\W_][\w'’-]*")


class RegexTokenizer:
    """Word tokenizer that needs no NLTK data."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        """Words of ``text``."""
        return _WORD.findall(text)

    def to_sentences(self, text: str) -> list[str]:
        """Unused: sentences arrive pre-split."""
        return [text]


def main() -> int:
    """Summarize every input line."""
    tok = RegexTokenizer()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    for line in sys.stdin:
        if not line.strip():
            continue
        rec = json.loads(line)
        sents = [Sentence(s, tok) for s in rec["sentences"]]
        doc = ObjectDocumentModel([Paragraph(sents)])
        index = {id(s): i for i, s in enumerate(sents)}
        chosen = summarizer(doc, rec["k"]) if sents else ()
        selected = sorted(index[id(s)] for s in chosen)
        sys.stdout.write(json.dumps({"id": rec["id"], "selected": selected}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
