"""Bounds on untrusted input: bounded reading of (gzipped) files, safe JSON and YAML, field
sizes, and text that is safe to print on a terminal.

Every file, page and record newsrag reads comes from someone else. Nothing here trusts a size,
a compression ratio, a nesting depth or a YAML alias to be reasonable.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

# A title longer than this is not a headline (a 5 MB "title" was once stored).
MAX_TITLE_CHARS = 1_000
MAX_NAME_CHARS = 300  # an outlet, an author
MAX_AUTHORS = 100
MAX_URL_CHARS = 4_096
# Deeper JSON is refused before Python's recursive parser can hit its own limit.
MAX_JSON_DEPTH = 64
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_YAML_DEPTH = 32
READ_CHUNK = 1 << 20


class LimitError(ValueError):
    """Input over one of the limits; the message is one sentence naming it."""


def mb(n: int) -> str:
    """Format a byte count as megabytes for messages."""
    return f"{n / 1e6:g} MB"


# -- reading files ---------------------------------------------------------------------------


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file for reading, gunzipping it as it is read if its name ends in .gz."""
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))  # noqa: SIM115  (the caller closes it)
    return open(path, "rb")  # noqa: SIM115


def read_limited(fh: IO[bytes], limit: int) -> bytes:
    """Read at most `limit` bytes (decompressed); raise LimitError if there is more.

    Reads in slices, so a gzip bomb is stopped after `limit` bytes, not after it has expanded.
    """
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = fh.read(min(READ_CHUNK, limit + 1 - size))
        if not part:
            return b"".join(parts)
        parts.append(part)
        size += len(part)
    raise LimitError(f"over {mb(limit)}")


_NONBLANK = re.compile(rb"[^ \t\r\n\f\v]")


def iter_lines(fh: IO[bytes], max_line: int, max_total: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, line) for every line that is not blank, in order.

    At most `max_line` bytes of one line are kept: a longer line is yielded as (number, None)
    and the rest of it skipped. Runs of blank lines and spaces are skipped at C speed, so a
    stream of a billion newlines costs seconds, not hours. Raises LimitError once more than
    `max_total` bytes have been read (a gzip stream can expand a thousandfold).
    """
    lineno = 1  # the number of the line buf starts at
    buf = bytearray()
    total = 0
    skipping = False  # inside an over-long line, already reported
    searched = 0  # buf[:searched] is known to hold no newline after the line's start
    eof = False
    while not eof:
        data = fh.read(READ_CHUNK)
        eof = not data
        total += len(data)
        if total > max_total:
            raise LimitError(f"over {mb(max_total)}")
        if skipping:
            nl = data.find(b"\n")
            if nl < 0:
                continue
            data, skipping = data[nl + 1 :], False
            lineno += 1
        buf += data
        pos = 0
        while True:
            m = _NONBLANK.search(buf, pos)
            if m is None:
                lineno += buf.count(b"\n", pos)
                buf.clear()
                searched = 0
                break
            nl = buf.rfind(b"\n", pos, m.start())
            start = nl + 1 if nl >= 0 else pos
            lineno += buf.count(b"\n", pos, start)
            end = buf.find(b"\n", max(m.start(), searched))
            if end < 0 and not eof:
                if len(buf) - start > max_line:
                    yield lineno, None
                    buf.clear()
                    skipping, searched = True, 0
                else:  # keep the start of the line until the rest of it arrives
                    del buf[:start]
                    searched = len(buf)
                break
            end = len(buf) if end < 0 else end
            yield lineno, (bytes(buf[start:end]) if end - start <= max_line else None)
            lineno += 1
            pos, searched = end + 1, 0
            if pos >= len(buf):
                buf.clear()
                break


class BoundedDecoder:
    """Decode a gzip or deflate HTTP body a slice at a time, refusing more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        self._d = zlib.decompressobj(self._wbits)
        self._limit = limit
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        """Return the bytes `data` expands to; raise LimitError past the limit."""
        out = bytearray()
        while True:
            part = self._d.decompress(data, self._limit + 1 - self.size)
            self.size += len(part)
            out += part
            if self.size > self._limit or self._d.unconsumed_tail:
                raise LimitError(f"over {mb(self._limit)} once decompressed")
            if not (self._gzip and self._d.eof and self._d.unused_data):
                return bytes(out)
            # Another gzip member follows (gzip streams may be concatenated): decode it too.
            data = self._d.unused_data
            self._d = zlib.decompressobj(self._wbits)


# -- parsing ---------------------------------------------------------------------------------

# An escape (backslash and the character after it), a quote, or a bracket.
_NESTING = re.compile(rb'\\.|["\[\]{}]', re.S)


def json_depth_ok(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether JSON text nests arrays and objects at most `limit` deep (strings skipped)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return True  # the common case, at C speed
    depth = 0
    in_string = False
    for m in _NESTING.finditer(raw):
        token = m.group()
        if len(token) == 2:  # an escaped character: never a quote or bracket
            continue
        if token == b'"':
            in_string = not in_string
        elif in_string:
            continue
        elif token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def loads_json(data: str | bytes) -> Any:
    """json.loads, refusing nesting deeper than MAX_JSON_DEPTH with a LimitError.

    Raises:
        json.JSONDecodeError: malformed JSON.
        LimitError: nested too deep, or a number too long to convert.
    """
    if not json_depth_ok(data):
        raise LimitError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(data)
    except RecursionError:
        raise LimitError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. an integer of 5,000 digits
        raise LimitError(str(exc).split("\n")[0]) from None


def load_front_matter(text: str) -> Any:
    """Parse YAML front matter safely: no aliases, bounded size and nesting.

    Raises:
        LimitError: too long, nested too deep, or uses an alias (`*name`).
        yaml.YAMLError: not valid YAML.
    """
    import yaml

    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise LimitError(f"front matter is over {MAX_FRONT_MATTER_CHARS // 1024} KB")

    class Loader(yaml.SafeLoader):
        """SafeLoader that refuses aliases (the billion-laughs bomb) and deep nesting."""

        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise LimitError(
                    f"front matter line {mark.line + 2}: YAML aliases (*name) are not allowed"
                )
            self.depth += 1
            if self.depth > MAX_YAML_DEPTH:
                raise LimitError(f"front matter is nested more than {MAX_YAML_DEPTH} levels deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# -- text --------------------------------------------------------------------------------------

# C0 and C1 control characters other than tab, newline and carriage return: they mean nothing in
# a news article and some of them (ESC, CSI) drive terminals.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates can make printed text read differently from what it is.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove control characters except tab, newline and carriage return."""
    return _CONTROLS.sub("", text)


def terminal_safe(text: str | None) -> str:
    """Return `text` safe to print: no escape sequences, control characters or bidi overrides."""
    if not text:
        return text or ""
    text = _BIDI.sub("", strip_controls(text))
    # Anything else Unicode calls a control (Cc) goes too, e.g. from a lone surrogate.
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) and drop control characters."""
    return " ".join(strip_controls(text).split())
