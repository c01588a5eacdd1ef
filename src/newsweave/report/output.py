"""Writing outputs safely: text cleaned of control characters, files replaced atomically.

Article titles, texts and input names are untrusted: they may hold NUL and other
control characters, terminal escape sequences, or lone surrogates (from file names
that are not valid UTF-8). :func:`clean` removes what no report or terminal should
receive. :func:`atomic_write_text` writes a temporary file next to the target and
renames it over the target, so a failed or interrupted write never leaves a
half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsweave.errors import NewsweaveError, OutputError

#: C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029]")


def clean(text: object, one_line: bool = False) -> str:
    """``text`` as a string without control characters; lone surrogates become U+FFFD.

    Tab, newline and carriage return are kept unless ``one_line``, which turns every
    line break into a space.
    """
    s = _SURROGATES.sub("\ufffd", _CONTROLS.sub("", str(text if text is not None else "")))
    return _LINE_BREAKS.sub(" ", s) if one_line else s


def json_safe(text: str) -> str:
    """JSON text (as made by ``json.dumps(..., ensure_ascii=False)``) that encodes as UTF-8.

    A lone surrogate can only stand inside a JSON string, where ``\\uXXXX`` is its exact escape.
    """
    return _SURROGATES.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename.

    Raises:
        OutputError: the folder or the file cannot be written; the target is then unchanged.
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o666 & ~_umask())  # as an ordinary open() would create it, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputError(f"cannot write {path}: {reason}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@dataclass(slots=True)
class Outcome:
    """One output file: written, or the error that kept it from being written."""

    path: Path
    error: NewsweaveError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
