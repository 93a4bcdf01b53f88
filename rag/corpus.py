"""Files, web pages and feeds -> Articles.

`load(inputs)` yields an `Article` for everything it could read and a `LoadError` (file and
line, or URL, plus one sentence) for everything it could not, and keeps going either way: one
bad line, file or URL never stops the others. A `LoadError` with `warning` set reports a quiet
surprise (a repeated URL, a date in the future, an empty input, a symlink not followed, a feed
cut to its first entries) without anything failing.

Everything read is untrusted and bounded (see `rag.limits` and `rag.fetch`): URLs are fetched
only under a `FetchPolicy`; gzip streams, JSON, YAML front matter, lines, fields and feeds all
have limits, and going over one is an error line, not a crash or a memory bomb.

Each file is read once, as a snapshot: a file that changes while it is being read is read
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
import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

from rag import limits
from rag.fetch import MAX_DOWNLOAD, FetchError, FetchPolicy, FetchRefused, fetch
from rag.limits import LimitError, strip_controls
from rag.types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
FEED_FETCHES = 4  # article pages of one feed fetched at once
READ_TRIES = 3  # reads of a file that keeps changing under us before giving up on it
MAX_JSON_FILE = 50_000_000  # a .json file is parsed whole; bigger collections belong in .jsonl
MAX_FEED_FILE = 20_000_000  # a feed file, read whole (a fetched feed may have 20 MiB)
# A gzip file may expand to at most this many times its size: text compresses 3-10x, a bomb
# of repeated bytes about 1000x.
MAX_GZIP_RATIO = 50
MAX_BAD_LINES = 100  # error lines from one file before the rest of it is given up
DEFAULT_MAX_FILE = 200_000_000


@dataclass(frozen=True)
class LoadError:
    """Something in the input that could not become an article, or (`warning`) a surprise."""

    origin: str  # the file or URL it came from
    where: str  # origin plus line or entry, e.g. "news.jsonl:17"
    message: str
    warning: bool = False  # reported, but nothing failed: the input's articles are stored

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class LoadOptions:
    """How far `load` goes: what it may fetch, and how much it reads."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    max_article_bytes: int | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE  # one file, decompressed
    feed_max_entries: int = 200
    feed_deadline: float = 300.0  # seconds for all the pages of one feed
    follow_links: bool = False  # follow symlinks that lead out of an ingested folder

    @classmethod
    def from_settings(cls, settings: Any, follow_links: bool = False) -> LoadOptions:
        """Build the options from resolved `rag.config.Settings`."""
        return cls(
            policy=FetchPolicy(
                timeout=settings.fetch_timeout,
                allow_private=FetchPolicy.parse_allow(settings.allow_private_urls),
            ),
            max_article_bytes=int(settings.max_article_mb * 1e6),
            max_file_bytes=int(settings.max_file_mb * 1e6),
            feed_max_entries=settings.feed_max_entries,
            feed_deadline=settings.feed_deadline,
            follow_links=follow_links,
        )


class _Bad(Exception):
    """Raised inside a loader; turned into a LoadError at the boundary."""


# What the loaders yield: an article with where it was found (for messages), or an error.
Found = tuple[str, Article] | LoadError


def _show(value: Any, width: int = 60) -> str:
    """Return a short repr of a value for a one-line message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _date(value: Any, field: str = "published") -> str | None:
    """Normalise a date-ish value to YYYY-MM-DD, or raise _Bad naming the field."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$", text[:100])
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            pass
    raise _Bad(f"field '{field}': {_show(text)} is not a date (use YYYY-MM-DD)")


def _name(value: str, field: str) -> str:
    value = strip_controls(value).strip()
    if len(value) > limits.MAX_NAME_CHARS:
        raise _Bad(f"field '{field}' is {len(value):,} characters, over {limits.MAX_NAME_CHARS}")
    return value


def _authors(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        names = re.split(r";|\band\b|,", value[: limits.MAX_NAME_CHARS * limits.MAX_AUTHORS])
    elif isinstance(value, list) and all(isinstance(a, str) for a in value):
        names = value
    else:
        raise _Bad("field 'authors': expected a list of names")
    if len(names) > limits.MAX_AUTHORS:
        raise _Bad(f"field 'authors': {len(names):,} names, over {limits.MAX_AUTHORS}")
    return tuple(n for n in (_name(a, "authors") for a in names) if n)


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlparse(url).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _str_field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"field '{name}': expected a string, got {type(value).__name__}")
    return value.strip() or None


def _title(value: str | None, cut: bool = False) -> str | None:
    """Clean a title; one over MAX_TITLE_CHARS raises _Bad, or with `cut` is shortened."""
    if value is None:
        return None
    value = strip_controls(value).strip()
    if len(value) > limits.MAX_TITLE_CHARS:
        if not cut:
            raise _Bad(
                f"field 'title' is {len(value):,} characters, over the "
                f"{limits.MAX_TITLE_CHARS:,} a title may have"
            )
        value = value[: limits.MAX_TITLE_CHARS - 3].rsplit(" ", 1)[0] + "..."
    return value or None


def _fallback_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."


def _too_big(what: str, size: int | None, limit: int, name: str = "NEWSRAG_MAX_ARTICLE_MB") -> _Bad:
    amount = f"{size / 1e6:.3g} MB, over" if size is not None else "over"
    return _Bad(f"{what} is {amount} the {limit / 1e6:g} MB limit ({name})")


def _check_url(url: str | None) -> str | None:
    if not url:
        return None
    if len(url) > limits.MAX_URL_CHARS:
        raise _Bad(f"field 'url' is {len(url):,} characters, over {limits.MAX_URL_CHARS:,}")
    try:
        parts = urlparse(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise _Bad(f"field 'url': {_show(url)} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Bad(f"field 'url': {_show(url)} is not an http(s) URL")
    return url


def article_from_record(record: Any, origin: str, max_bytes: int | None = None) -> Article:
    """Build an Article from a dict in the RealtimeQA article schema (see corpus/README.md).

    A text longer than `max_bytes` (UTF-8), or a field over its limit (`rag.limits`), raises
    _Bad naming the field and the limit.
    """
    if not isinstance(record, dict):
        raise _Bad(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise _Bad("field 'text' is missing or empty")
    if max_bytes is not None and len(text) * 4 > max_bytes:  # UTF-8 is at most 4 bytes a char
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise _too_big("field 'text'", size, max_bytes)
    text = strip_controls(text).strip()
    if not text:
        raise _Bad("field 'text' is missing or empty")
    url = _check_url(_str_field(record, "url"))
    source = _str_field(record, "source")
    return Article(
        title=_title(_str_field(record, "title")) or _fallback_title(text),
        text=text,
        url=url,
        source=_name(source, "source") if source else _domain(url),
        published=_date(record.get("published") or record.get("date")),
        authors=_authors(record.get("authors")),
        origin=origin,
    )


# -- files -------------------------------------------------------------------------------------


def _version(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def _gzip_cap(path: Path, limit: int) -> tuple[int, str]:
    """The most `path` may hold decompressed, and what to call that limit in a message."""
    if path.suffix != ".gz":
        return limit, ""
    by_ratio = MAX_GZIP_RATIO * path.stat().st_size + 1_000_000
    if by_ratio < limit:
        return by_ratio, f" ({MAX_GZIP_RATIO} times its compressed size: a gzip bomb?)"
    return limit, ""


def _read_once(path: Path, limit: int, what: str, name: str) -> bytes:
    gz = path.suffix == ".gz"
    if not gz and path.stat().st_size > limit:
        raise _too_big(what, path.stat().st_size, limit, name)
    cap, why = _gzip_cap(path, limit)
    with limits.open_bytes(path) as fh:
        try:
            return limits.read_limited(fh, cap)
        except LimitError:
            if why:
                raise _Bad(f"expands to over {cap / 1e6:g} MB{why}") from None
            raise _too_big(what, None, limit, name) from None


def _read_bytes(
    path: Path, limit: int, what: str = "the article file", name: str = "NEWSRAG_MAX_ARTICLE_MB"
) -> bytes:
    """The file's contents, gunzipped if its name ends in .gz, as one consistent snapshot.

    A file replaced or written to while it is read is read again. A file bigger than `limit`
    bytes (unzipped) raises _Bad naming the limit, having read at most `limit`.
    """
    for _ in range(READ_TRIES):
        before = _version(path)
        data = _read_once(path, limit, what, name)
        if _version(path) == before:
            return data
    raise _Bad("the file kept changing while it was read: run again once it is written")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Bad(f"not UTF-8 text (byte {exc.start})") from None


def _kind(path: Path) -> str:
    """The format of a file from its name: the suffix, ignoring a trailing .gz."""
    name = path.name.lower().removesuffix(".gz")
    return Path(name).suffix


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def _text_file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    """A .txt/.md article, with optional YAML front matter (title, url, source, published...)."""
    import yaml

    raw = _decode(_read_bytes(path, *_article_limit(opts)))
    meta: dict[str, Any] = {}
    body = raw
    m = _FRONT.match(raw)
    if m:
        try:
            loaded = limits.load_front_matter(m.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 2}" if mark else ""
            raise _Bad(f"front matter{line}: invalid YAML") from None
        except LimitError as exc:
            raise _Bad(str(exc)) from None
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
    yield str(path), article_from_record(record, str(path))


def _article_limit(opts: LoadOptions) -> tuple[int, str, str]:
    """The most a one-article file may hold, what to call it, and the setting that sets it."""
    if opts.max_article_bytes is not None and opts.max_article_bytes <= opts.max_file_bytes:
        return opts.max_article_bytes, "the article file", "NEWSRAG_MAX_ARTICLE_MB"
    return opts.max_file_bytes, "the article file", "NEWSRAG_MAX_FILE_MB"


def _title_from_name(path: Path) -> str:
    stem = path.name.split(".")[0]
    return re.sub(r"[_-]+", " ", stem).strip() or path.name


def _parse_json(data: str | bytes) -> Any:
    try:
        return limits.loads_json(data)
    except json.JSONDecodeError as exc:
        raise _Bad(f"malformed JSON at column {exc.colno}: {exc.msg}") from None
    except LimitError as exc:
        raise _Bad(f"JSON {exc}") from None


def _json_file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    """A .json file: one article object, or a list of them."""
    what = "the .json file"
    if opts.max_file_bytes < MAX_JSON_FILE:
        data = _read_bytes(path, opts.max_file_bytes, what, "NEWSRAG_MAX_FILE_MB")
    else:
        data = _read_bytes(path, MAX_JSON_FILE, what, "a .json file is read whole: use .jsonl")
    text = _decode(data)
    try:
        data = limits.loads_json(text)
    except json.JSONDecodeError as exc:
        raise _Bad(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except LimitError as exc:
        raise _Bad(f"JSON {exc}") from None
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        where = f"{path}[{i}]" if isinstance(data, list) else str(path)
        try:
            yield where, article_from_record(record, str(path), opts.max_article_bytes)
        except _Bad as exc:
            yield LoadError(str(path), where, str(exc))


def _max_line(opts: LoadOptions) -> int:
    """The longest JSONL line read: room for the largest article text JSON-escaped, and more."""
    article = opts.max_article_bytes or opts.max_file_bytes
    return min(6 * article + 1_000_000, opts.max_file_bytes)


def _jsonl_pass(path: Path, opts: LoadOptions) -> list[Found]:
    """Read a .jsonl file once, line by line: memory holds one line, never the whole file."""
    found: list[Found] = []
    bad = 0
    max_line = _max_line(opts)
    cap, why = _gzip_cap(path, opts.max_file_bytes)
    with limits.open_bytes(path) as fh:
        lines = limits.iter_lines(fh, max_line, cap)
        try:
            for lineno, line in lines:
                where = f"{path}:{lineno}"
                try:
                    if line is None:
                        raise _Bad(f"line longer than {max_line / 1e6:g} MB: not read")
                    record = _parse_json(_decode(line))
                    found.append(
                        (where, article_from_record(record, str(path), opts.max_article_bytes))
                    )
                except _Bad as exc:
                    found.append(LoadError(str(path), where, str(exc)))
                    bad += 1
                except Exception as exc:  # whatever one line does, the next line is read
                    found.append(LoadError(str(path), where, f"cannot parse ({_what(exc)})"))
                    bad += 1
                if bad >= MAX_BAD_LINES:
                    found.append(
                        LoadError(
                            str(path), where, f"{bad} bad lines: the rest of the file is not read"
                        )
                    )
                    break
        except LimitError:
            why = why or " (NEWSRAG_MAX_FILE_MB)"
            message = f"over {cap / 1e6:g} MB{why}: the rest of the file is not read"
            found.append(LoadError(str(path), str(path), message))
    return found


def _jsonl_file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    """A .jsonl file: one article object per line; a bad line is reported with its number."""
    for _ in range(READ_TRIES):
        before = _version(path)
        found = _jsonl_pass(path, opts)
        if _version(path) == before:
            yield from found
            return
    raise _Bad("the file kept changing while it was read: run again once it is written")


def _what(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# -- web pages and feeds -----------------------------------------------------------------------

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
    text = strip_controls(doc.text or "").strip() if doc is not None else ""
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise _Bad("no article text found in the page")
    page_url = url or (doc.url if doc.url and doc.url.startswith("http") else None)
    try:
        page_url = _check_url(page_url)
    except _Bad:
        page_url = None  # a page's own claim about its URL is only a hint
    site = strip_controls(doc.sitename or "").strip()[: limits.MAX_NAME_CHARS]
    return Article(
        # A page's title is not the user's to fix: an over-long one is cut, not refused.
        title=_title(doc.title or "", cut=True) or _fallback_title(text),
        text=text,
        url=page_url,
        source=site or _domain(page_url),
        published=_date(doc.date) if doc.date else None,
        authors=_html_authors(doc.author),
        origin=origin,
    )


def _html_authors(value: str | None) -> tuple[str, ...]:
    try:
        return _authors(value) if value else ()
    except _Bad:
        return ()


def _html_file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    yield str(path), article_from_html(_read_bytes(path, *_article_limit(opts)), str(path))


def _looks_like_feed(body: bytes, content_type: str) -> bool:
    if any(t in content_type for t in ("rss", "atom", "/xml")):
        return True
    head = body[:500].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in body[:2000] or b"<feed" in body[:2000])


_LATE = LoadError("", "", "the feed's deadline passed")  # an entry not read in time


def _feed(data: bytes, origin: str, opts: LoadOptions, base: str | None) -> Iterator[Found]:
    """An RSS/Atom feed: each entry is followed to its article page, under the fetch policy.

    At most `opts.feed_max_entries` entries are read (the first, usually the newest), all
    within `opts.feed_deadline` seconds. When a page cannot be fetched or has no text, the
    entry's own full content is used if the feed carries it (content:encoded); a page the
    policy refuses is reported, not replaced.
    """
    import feedparser

    feed = feedparser.parse(data)  # bytes: feedparser never fetches anything itself
    if not feed.entries:
        if feed.bozo:
            raise _Bad(f"not a readable RSS/Atom feed ({_what(feed.bozo_exception)})")
        return
    entries = list(feed.entries)
    if len(entries) > opts.feed_max_entries:
        yield LoadError(
            origin, origin, f"{len(entries):,} entries: only the first {opts.feed_max_entries} "
            "are read (NEWSRAG_FEED_MAX_ENTRIES)", warning=True,
        )  # fmt: skip
        entries = entries[: opts.feed_max_entries]
    deadline = time.monotonic() + opts.feed_deadline
    late = 0
    # Article pages are fetched a few at a time; results keep the feed's order.
    pool = ThreadPoolExecutor(max_workers=FEED_FETCHES, thread_name_prefix="newsrag-feed")
    futures: list[Future[Found]] = []
    try:
        futures = [
            pool.submit(_feed_entry, entry, n, origin, base, opts, deadline)
            for n, entry in enumerate(entries, 1)
        ]
        for future in futures:
            result = future.result()
            if result is _LATE:
                late += 1
            else:
                yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if late:
        yield LoadError(
            origin, origin, f"the feed's {opts.feed_deadline:g}s deadline passed: {late} of "
            f"{len(entries)} entries not read (NEWSRAG_FEED_DEADLINE)",
        )  # fmt: skip


def _feed_entry(
    entry: Any, n: int, origin: str, base: str | None, opts: LoadOptions, deadline: float
) -> Found:
    """Follow one feed entry to its page; fall back to the entry's full content if it has it."""
    link = entry.get("link")
    if isinstance(link, str) and len(link) > limits.MAX_URL_CHARS:
        link = link[:60] + "..."
    where = f"{origin}#entry{n}" + (f" ({link})" if link else "")
    if time.monotonic() >= deadline:
        return _LATE
    try:
        if not link:
            raise _Bad("entry has no link")
        link = urljoin(base, link) if base else link
        published = None
        t = entry.get("published_parsed") or entry.get("updated_parsed")
        if t:
            published = dt.date(t.tm_year, t.tm_mon, t.tm_mday).isoformat()
        try:
            page = article_from_html(fetch(link, opts.policy, deadline).body, origin, url=link)
        except FetchRefused:
            raise
        except (_Bad, FetchError) as exc:
            if time.monotonic() >= deadline:
                return _LATE
            content = " ".join(c.get("value", "") for c in entry.get("content", []))
            if len(content) < 200:
                raise _Bad(f"article page: {exc}") from None
            if len(content) > MAX_DOWNLOAD:
                raise _Bad(f"article page: {exc}; its content in the feed is too big") from None
            page = article_from_html(
                f"<html><body><article>{content}</article></body></html>", origin, url=link
            )
        return where, Article(
            title=_title(entry.get("title") or "", cut=True) or page.title,
            text=page.text,
            url=_check_url(link),
            source=page.source or _domain(link),
            published=published or page.published,
            authors=page.authors or _html_authors(entry.get("author")),
            origin=origin,
        )
    except (_Bad, FetchError) as exc:
        return LoadError(origin, where, str(exc))
    except Exception as exc:  # a parser choking on one hostile entry: report it, go on
        return LoadError(origin, where, f"cannot parse ({_what(exc)})")


def _feed_file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    if opts.max_file_bytes < MAX_FEED_FILE:
        data = _read_bytes(path, opts.max_file_bytes, "the feed file", "NEWSRAG_MAX_FILE_MB")
    else:
        data = _read_bytes(path, MAX_FEED_FILE, "the feed file", "a feed file is read whole")
    yield from _feed(data, str(path), opts, None)


def _url(url: str, opts: LoadOptions) -> Iterator[Found]:
    """An http(s) URL: an article page, or a feed whose entries are followed."""
    page = fetch(url, opts.policy)
    if _looks_like_feed(page.body, page.content_type):
        yield from _feed(page.body, url, opts, page.url)
        return
    ctype = page.content_type
    if "html" not in ctype and ctype and not page.body.lstrip()[:1] == b"<":
        raise _Bad(f"not an HTML page or feed (content type {_show(ctype.split(';')[0])})")
    yield url, article_from_html(page.body, url, url=url)


# -- inputs ------------------------------------------------------------------------------------


def _walk(root: Path, follow_links: bool) -> Iterator[Path | LoadError]:
    """Files under `root` newsrag can read, in a stable order; skips hidden files and READMEs.

    A symlink that leads out of `root` is reported (as a warning) and not followed unless
    `follow_links`; with it, linked folders are walked too, each real folder once.
    """
    top = root.resolve()
    found: list[Path | LoadError] = []
    seen_dirs = {top}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if d.startswith("."):
                continue
            real = sub.resolve()
            if sub.is_symlink() and not follow_links:
                if not real.is_relative_to(top):
                    found.append(_not_followed(root, sub, real))
                continue  # a link within the folder: its files are reached directly
            if real in seen_dirs:
                continue  # a link loop, or a folder reached twice
            seen_dirs.add(real)
            keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            path = here / name
            if name.startswith(".") or name.lower().startswith("readme"):
                continue
            if _kind(path) not in SUFFIXES:
                continue
            if not follow_links and path.is_symlink():
                real = path.resolve()
                if not real.is_relative_to(top):
                    found.append(_not_followed(root, path, real))
                    continue
            if path.is_file():
                found.append(path)
    yield from sorted(found, key=lambda p: str(p if isinstance(p, Path) else p.where))


def _not_followed(root: Path, link: Path, real: Path) -> LoadError:
    return LoadError(
        str(root), str(link), f"a symlink to {real}, outside {root}: not followed "
        "(pass --follow-links to read it)", warning=True,
    )  # fmt: skip


def _file(path: Path, opts: LoadOptions) -> Iterator[Found]:
    """Load one file of any supported format; errors are LoadErrors, never exceptions."""
    kind = _kind(path)
    try:
        if kind in TEXT_SUFFIXES:
            yield from _text_file(path, opts)
        elif kind in JSONL_SUFFIXES:
            yield from _jsonl_file(path, opts)
        elif kind in JSON_SUFFIXES:
            yield from _json_file(path, opts)
        elif kind in HTML_SUFFIXES:
            yield from _html_file(path, opts)
        elif kind in FEED_SUFFIXES:
            yield from _feed_file(path, opts)
        else:
            raise _Bad(f"unsupported file type (use one of: {', '.join(sorted(SUFFIXES))})")
    except (_Bad, FetchError) as exc:
        yield LoadError(str(path), str(path), str(exc))
    except OSError as exc:
        yield LoadError(str(path), str(path), f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a parser choking on hostile or broken input: report, go on
        yield LoadError(str(path), str(path), f"cannot parse ({_what(exc)})")


def _checked(found: Iterable[Found], name: str, now: dt.datetime) -> Iterator[Article | LoadError]:
    """Pass one input's articles on, reporting repeats, future dates and an empty input."""
    seen: dict[str, str] = {}
    any_found = False
    tomorrow = (now + dt.timedelta(days=1)).date()
    for item in found:
        any_found = True
        if isinstance(item, LoadError):
            yield item
            continue
        where, article = item
        if article.id in seen:
            what = f"url {_show(article.url)}" if article.url else "text"
            yield LoadError(
                article.origin, where, f"same {what} as {_short(seen[article.id], name)}: the "
                "later one is kept", warning=True,
            )  # fmt: skip
        seen[article.id] = where
        if article.published and dt.date.fromisoformat(article.published) > tomorrow:
            yield LoadError(
                article.origin, where, f"published {article.published} is more than a day in "
                "the future: stored with that date, so as-of questions will not see it",
                warning=True,
            )  # fmt: skip
        yield article
    if not any_found:
        yield LoadError(name, name, "no articles in it: nothing to ingest", warning=True)


def _short(where: str, name: str) -> str:
    """`news.jsonl:2` -> `line 2` when it is in the same file as the message."""
    rest = where.removeprefix(name)
    if rest.startswith(":"):
        return f"line {rest[1:]}"
    if rest.startswith("#entry"):
        return f"entry {rest[6:].split(' ', 1)[0]}"
    return where


def load(
    inputs: Iterable[str],
    timeout: float = 20.0,
    max_article_bytes: int | None = None,
    *,
    options: LoadOptions | None = None,
) -> Iterator[Article | LoadError]:
    """Load every input: files, directories (recursively), and http(s) URLs of pages or feeds.

    Args:
        inputs: paths and URLs; each is read on its own, and one that fails (in part or whole)
            is reported without stopping the others.
        timeout: seconds allowed per web page, when `options` is not given.
        max_article_bytes: the largest article, when `options` is not given; a bigger article
            file is not read, a bigger record's text is reported.
        options: the fetch policy and every limit (see `LoadOptions`); the default policy
            fetches public http(s) addresses only.
    """
    opts = options or LoadOptions(
        policy=FetchPolicy(timeout=timeout), max_article_bytes=max_article_bytes
    )
    now = dt.datetime.now(dt.UTC)
    for item in inputs:
        try:
            yield from _input(item, opts, now)
        except Exception as exc:  # last resort: one input never stops the next
            yield LoadError(item, item, f"cannot read ({_what(exc)})")


def _input(item: str, opts: LoadOptions, now: dt.datetime) -> Iterator[Article | LoadError]:
    if re.match(r"^https?://", item, re.I):
        yield from _checked(_url_or_error(item, opts), item, now)
        return
    path = Path(item)
    if not path.exists():
        yield LoadError(item, item, "no such file or directory")
        return
    files: list[Path | LoadError] = (
        list(_walk(path, opts.follow_links)) if path.is_dir() else [path]
    )
    if path.is_dir() and not any(isinstance(f, Path) for f in files):
        files.append(
            LoadError(item, item, "no article files in this folder (nothing with a suffix of: "
                      f"{', '.join(sorted(SUFFIXES))})", warning=True)
        )  # fmt: skip
    for file in files:
        if isinstance(file, LoadError):
            yield file
            continue
        # Messages keep the path as the user wrote it; the stored origin is absolute so that
        # `corpus/a.md` and `/home/me/corpus/a.md` are recognised as one file.
        origin = str(file.resolve())
        for loaded in _checked(_file(file, opts), str(file), now):
            yield dataclasses.replace(loaded, origin=origin)


def _url_or_error(url: str, opts: LoadOptions) -> Iterator[Found]:
    try:
        yield from _url(url, opts)
    except (_Bad, FetchError) as exc:
        yield LoadError(url, url, str(exc))
    except Exception as exc:  # a parser choking on a hostile page: report it, go on
        yield LoadError(url, url, f"cannot parse ({_what(exc)})")
