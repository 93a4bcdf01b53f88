"""Files, web pages and feeds -> Articles.

`load(inputs)` yields an `Article` for everything it could read and a `LoadError` (file and
line, or URL, plus one sentence) for everything it could not, and keeps going either way.

Each file is read once, whole, as a snapshot: a file that changes while it is being read is read
again, and one written to after it was read is picked up by the next ingest. An article bigger
than `max_article_bytes` (a single-article file, or a record's text) is reported, not read.

Accepted inputs: directories (walked recursively), `.txt`/`.md` (optional YAML front matter),
`.json`/`.jsonl` (the RealtimeQA article schema), `.html`/`.htm` (trafilatura), RSS/Atom
feeds (`.xml`/`.rss`/`.atom`, each entry followed to its page), any of those gzipped, and
http(s):// URLs of articles or feeds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

from rag.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
MAX_DOWNLOAD = 20 * 1024 * 1024
FEED_FETCHES = 4  # article pages of one feed fetched at once
READ_TRIES = 3  # reads of a file that keeps changing under us before giving up on it


@dataclass(frozen=True)
class LoadError:
    """Something in the input that could not become an article."""

    origin: str  # the file or URL it came from
    where: str  # origin plus line or entry, e.g. "news.jsonl:17"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class _Bad(Exception):
    """Raised inside a loader; turned into a LoadError at the boundary."""


def _date(value: Any, field: str = "published") -> str | None:
    """Normalise a date-ish value to YYYY-MM-DD, or raise _Bad naming the field."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$", text)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            pass
    raise _Bad(f"field '{field}': {text!r} is not a date (use YYYY-MM-DD)")


def _authors(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(a.strip() for a in re.split(r";|\band\b|,", value) if a.strip())
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return tuple(a.strip() for a in value if a.strip())
    raise _Bad("field 'authors': expected a list of names")


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.") or None


def _str_field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"field '{name}': expected a string, got {type(value).__name__}")
    return value.strip() or None


def _fallback_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."


def _too_big(what: str, size: int | None, limit: int) -> _Bad:
    amount = f"{size / 1e6:.3g} MB, over" if size is not None else "over"
    return _Bad(f"{what} is {amount} the {limit / 1e6:g} MB limit (NEWSRAG_MAX_ARTICLE_MB)")


def article_from_record(record: Any, origin: str, max_bytes: int | None = None) -> Article:
    """Build an Article from a dict in the RealtimeQA article schema (see corpus/README.md).

    A text longer than `max_bytes` (UTF-8) raises _Bad naming the limit.
    """
    if not isinstance(record, dict):
        raise _Bad(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Bad("field 'text' is missing or empty")
    if max_bytes is not None and len(text) * 4 > max_bytes:  # UTF-8 is at most 4 bytes a char
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise _too_big("field 'text'", size, max_bytes)
    url = _str_field(record, "url")
    if url and urlparse(url).scheme not in ("http", "https"):
        raise _Bad(f"field 'url': {url!r} is not an http(s) URL")
    return Article(
        title=_str_field(record, "title") or _fallback_title(text),
        text=text.strip(),
        url=url,
        source=_str_field(record, "source") or _domain(url),
        published=_date(record.get("published") or record.get("date")),
        authors=_authors(record.get("authors")),
        origin=origin,
    )


def _version(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def _read_once(path: Path, limit: int | None) -> bytes:
    gz = path.suffix == ".gz"
    if limit is not None and not gz and path.stat().st_size > limit:
        raise _too_big("the article file", path.stat().st_size, limit)
    with gzip.open(path, "rb") if gz else open(path, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise _too_big("the article file", None if gz else len(data), limit)
    return data


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's contents, gunzipped if its name ends in .gz, as one consistent snapshot.

    A file replaced or written to while it is read is read again. With `limit`, a file bigger
    than that many bytes (unzipped) raises _Bad naming the limit, having read at most `limit`.
    """
    for _ in range(READ_TRIES):
        before = _version(path)
        data = _read_once(path, limit)
        if _version(path) == before:
            return data
    raise _Bad("the file kept changing while it was read: run again once it is written")


def _read_text(path: Path, limit: int | None = None) -> str:
    data = _read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Bad(f"not UTF-8 text (byte {exc.start})") from None


def _kind(path: Path) -> str:
    """The format of a file from its name: the suffix, ignoring a trailing .gz."""
    name = path.name.lower().removesuffix(".gz")
    return Path(name).suffix


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def load_text_file(path: Path, max_bytes: int | None = None) -> Iterator[Article]:
    """A .txt/.md article, with optional YAML front matter (title, url, source, published...)."""
    import yaml

    raw = _read_text(path, max_bytes)
    meta: dict[str, Any] = {}
    body = raw
    m = _FRONT.match(raw)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 2}" if mark else ""
            raise _Bad(f"front matter{line}: invalid YAML") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise _Bad("front matter must be a YAML mapping of field: value")
        meta = loaded or {}
        body = raw[m.end() :]
    text = body.strip()
    title = meta.get("title")
    if not title:
        heading = re.match(r"\A#\s+(.+)\n", text)
        if heading:
            title = heading.group(1).strip()
            text = text[heading.end() :].strip()
    if not text:
        raise _Bad("empty article text")
    record = {**meta, "text": text, "title": str(title or "") or _title_from_name(path)}
    if "outlet" in record and "source" not in record:
        record["source"] = record.pop("outlet")
    for key in ("url", "source"):
        if record.get(key) is not None:
            record[key] = str(record[key])
    yield article_from_record(record, str(path))


def _title_from_name(path: Path) -> str:
    stem = path.name.split(".")[0]
    return re.sub(r"[_-]+", " ", stem).strip() or path.name


def load_json_file(path: Path, max_bytes: int | None = None) -> Iterator[Article | LoadError]:
    """A .json file: one article object, or a list of them."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise _Bad(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        try:
            yield article_from_record(record, str(path), max_bytes)
        except _Bad as exc:
            where = f"{path}[{i}]" if isinstance(data, list) else str(path)
            yield LoadError(str(path), where, str(exc))


def load_jsonl_file(path: Path, max_bytes: int | None = None) -> Iterator[Article | LoadError]:
    """A .jsonl file: one article object per line; a bad line is reported with its number."""
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _Bad(f"malformed JSON at column {exc.colno}: {exc.msg}") from None
            yield article_from_record(record, str(path), max_bytes)
        except _Bad as exc:
            yield LoadError(str(path), f"{path}:{lineno}", str(exc))


# Fewer words than this is a navigation stub or an error page, not an article.
MIN_ARTICLE_WORDS = 15


def article_from_html(html: str | bytes, origin: str, url: str | None = None) -> Article:
    """Extract the main text and metadata of a news page with trafilatura.

    Pass bytes when the encoding is not known: trafilatura detects it from the page.
    """
    import trafilatura

    doc: Any = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise _Bad("no article text found in the page")
    page_url = url or (doc.url if doc.url and doc.url.startswith("http") else None)
    return Article(
        title=(doc.title or "").strip() or _fallback_title(text),
        text=text,
        url=page_url,
        source=(doc.sitename or "").strip() or _domain(page_url),
        published=_date(doc.date) if doc.date else None,
        authors=_authors(doc.author) if doc.author else (),
        origin=origin,
    )


def load_html_file(path: Path, max_bytes: int | None = None) -> Iterator[Article]:
    yield article_from_html(_read_bytes(path, max_bytes), str(path))


def fetch(url: str, timeout: float) -> tuple[bytes, str]:
    """GET `url`; return (body, content type) or raise _Bad with a one-line reason."""
    import httpx

    headers = {"User-Agent": "newsrag/0.1"}
    client = httpx.Client(follow_redirects=True, timeout=timeout, headers=headers)
    try:
        with client, client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise _Bad(f"HTTP {resp.status_code} {resp.reason_phrase}")
            body = bytearray()
            for part in resp.iter_bytes():
                body += part
                if len(body) > MAX_DOWNLOAD:
                    raise _Bad(f"response larger than {MAX_DOWNLOAD // 2**20} MiB")
            return bytes(body), resp.headers.get("content-type", "")
    except httpx.TimeoutException:
        raise _Bad(f"timed out after {timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise _Bad(f"cannot fetch: {exc}") from None


def _looks_like_feed(body: bytes, content_type: str) -> bool:
    if any(t in content_type for t in ("rss", "atom", "/xml")):
        return True
    head = body[:500].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in body[:2000] or b"<feed" in body[:2000])


def load_feed(data: bytes, origin: str, timeout: float) -> Iterator[Article | LoadError]:
    """An RSS/Atom feed: each entry is followed to its article page.

    When the page cannot be fetched or has no text, the entry's own full content is used if
    the feed carries it (content:encoded); otherwise the entry is reported as an error.
    """
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries:
        if feed.bozo:
            raise _Bad(f"not a readable RSS/Atom feed ({feed.bozo_exception})")
        return
    base = origin if origin.startswith("http") else None
    # Article pages are fetched a few at a time; results keep the feed's order.
    with ThreadPoolExecutor(max_workers=FEED_FETCHES) as pool:
        yield from pool.map(
            lambda n_entry: _feed_entry(n_entry[1], n_entry[0], origin, base, timeout),
            enumerate(feed.entries, 1),
        )


def _feed_entry(
    entry: Any, n: int, origin: str, base: str | None, timeout: float
) -> Article | LoadError:
    """Follow one feed entry to its page; fall back to the entry's full content if it has it."""
    link = entry.get("link")
    where = f"{origin}#entry{n}" + (f" ({link})" if link else "")
    try:
        if not link:
            raise _Bad("entry has no link")
        link = urljoin(base, link) if base else link
        published = None
        t = entry.get("published_parsed") or entry.get("updated_parsed")
        if t:
            published = dt.date(t.tm_year, t.tm_mon, t.tm_mday).isoformat()
        try:
            body, _ = fetch(link, timeout)
            page = article_from_html(body, origin, url=link)
        except _Bad as exc:
            content = " ".join(c.get("value", "") for c in entry.get("content", []))
            if len(content) < 200:
                raise _Bad(f"article page: {exc}") from None
            page = article_from_html(
                f"<html><body><article>{content}</article></body></html>", origin, url=link
            )
        return Article(
            title=(entry.get("title") or "").strip() or page.title,
            text=page.text,
            url=link,
            source=page.source or _domain(link),
            published=published or page.published,
            authors=page.authors or _authors(entry.get("author")),
            origin=origin,
        )
    except _Bad as exc:
        return LoadError(origin, where, str(exc))


def load_url(url: str, timeout: float) -> Iterator[Article | LoadError]:
    """An http(s) URL: an article page, or a feed whose entries are followed."""
    body, ctype = fetch(url, timeout)
    if _looks_like_feed(body, ctype):
        yield from load_feed(body, url, timeout)
        return
    if "html" not in ctype and ctype and not body.lstrip()[:1] == b"<":
        raise _Bad(f"not an HTML page or feed (content type {ctype.split(';')[0]})")
    yield article_from_html(body, url, url=url)


def _walk(root: Path) -> Iterator[Path]:
    """Files under `root` newsrag can read, in a stable order; skips hidden files and READMEs."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if not path.is_file() or path.name.lower().startswith("readme"):
            continue
        if _kind(path) in SUFFIXES:
            yield path


def load_path(
    path: Path, timeout: float = 20.0, max_article_bytes: int | None = None
) -> Iterator[Article | LoadError]:
    """Load one file of any supported format; `max_article_bytes` caps one article's size."""
    kind = _kind(path)
    limit = max_article_bytes
    try:
        if kind in TEXT_SUFFIXES:
            yield from load_text_file(path, limit)
        elif kind in JSONL_SUFFIXES:
            yield from load_jsonl_file(path, limit)
        elif kind in JSON_SUFFIXES:
            yield from load_json_file(path, limit)
        elif kind in HTML_SUFFIXES:
            yield from load_html_file(path, limit)
        elif kind in FEED_SUFFIXES:
            yield from load_feed(_read_bytes(path), str(path), timeout)
        else:
            raise _Bad(f"unsupported file type (use one of: {', '.join(sorted(SUFFIXES))})")
    except _Bad as exc:
        yield LoadError(str(path), str(path), str(exc))
    except OSError as exc:
        yield LoadError(str(path), str(path), f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a parser choking on hostile or broken input: report, go on
        yield LoadError(str(path), str(path), f"cannot parse ({type(exc).__name__}: {exc})")


def load(
    inputs: Iterable[str], timeout: float = 20.0, max_article_bytes: int | None = None
) -> Iterator[Article | LoadError]:
    """Load every input: files, directories (recursively), and http(s) URLs of pages or feeds.

    An article file bigger than `max_article_bytes`, or a record whose text is, is reported as
    a LoadError without being read further.
    """
    for item in inputs:
        if re.match(r"^https?://", item):
            try:
                yield from load_url(item, timeout)
            except _Bad as exc:
                yield LoadError(item, item, str(exc))
            continue
        path = Path(item)
        if path.exists():
            for file in _walk(path) if path.is_dir() else [path]:
                # Messages keep the path as the user wrote it; the stored origin is absolute so
                # that `corpus/a.md` and `/home/me/corpus/a.md` are recognised as one file.
                origin = str(file.resolve())
                for loaded in load_path(file, timeout, max_article_bytes):
                    yield dataclasses.replace(loaded, origin=origin)
        else:
            yield LoadError(item, item, "no such file or directory")
