"""The one way newsrag fetches a URL: http(s) only, public addresses only, bounded in time and size.

Every fetch (a pasted URL, a feed, each feed entry's page, and every redirect hop of each) goes
through `fetch(url, policy)`:

- only http:// and https:// URLs;
- the host is resolved once, every address it resolves to must be public (not loopback,
  private, link-local, shared, multicast or reserved) unless the policy allows it, and the
  connection goes to the address that was checked, so a second DNS answer cannot swap it
  (DNS rebinding); TLS still verifies the certificate against the host name;
- redirects are followed by hand, at most MAX_REDIRECTS, each hop checked the same way;
- one deadline for the whole page (connect, redirects, every read), not per read, and a cap
  on the bytes received after decompression.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from rag.limits import MAX_URL_CHARS, BoundedDecoder, LimitError

if TYPE_CHECKING:
    import httpx

MAX_DOWNLOAD = 20 * 1024 * 1024  # bytes of one page or feed, after decompression
MAX_REDIRECTS = 5
ALLOW_VAR = "NEWSRAG_ALLOW_PRIVATE_URLS"
USER_AGENT = "newsrag/0.1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A URL could not be fetched; the message is one line."""


class FetchRefused(FetchError):
    """The policy forbids fetching this URL (scheme or address); nothing was sent to it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"refused: {reason}")
        self.reason = reason


def system_resolve(host: str, port: int) -> list[str]:
    """Resolve `host` with the system resolver to its IP addresses, in the order given."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    seen: list[str] = []
    for *_, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 scope id
        if ip not in seen:
            seen.append(ip)
    return seen


@dataclass(frozen=True)
class FetchPolicy:
    """What may be fetched, and for how long.

    `allow_private` is True to allow every non-public address, or a set of `host` and
    `host:port` entries (as written in URLs) that may be non-public, e.g. an intranet feed.
    """

    timeout: float = 20.0
    max_bytes: int = MAX_DOWNLOAD
    allow_private: bool | frozenset[str] = False
    resolve: Resolver = field(default=system_resolve, compare=False)

    @classmethod
    def parse_allow(cls, value: str) -> bool | frozenset[str]:
        """Read NEWSRAG_ALLOW_PRIVATE_URLS: 1 for all, or a comma-separated host[:port] list."""
        value = (value or "").strip()
        if value.lower() in ("1", "true", "yes", "all", "*"):
            return True
        if value.lower() in ("", "0", "false", "no", "none"):
            return False
        return frozenset(p.strip().lower() for p in value.split(",") if p.strip())

    def allows_private(self, host: str, port: int) -> bool:
        """Tell whether `host` (at `port`) may resolve to a non-public address."""
        if self.allow_private is True or self.allow_private is False:
            return self.allow_private
        host = host.lower().strip("[]")
        return host in self.allow_private or f"{host}:{port}" in self.allow_private


def _kind(ip: Address) -> str | None:
    """Name what makes an address non-public, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the checked address), and what to call the host."""

    url: str  # the URL as asked for
    host: str  # host name, for the Host header and TLS
    port: int
    ip: str  # the address to connect to


def check_url(url: str, policy: FetchPolicy) -> Target:
    """Check `url` against the policy and resolve its host once.

    Raises:
        FetchRefused: not http(s), or the host is (or resolves to) a non-public address that
            the policy does not allow.
        FetchError: malformed, or the host cannot be resolved.
    """
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"URL longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise FetchError(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"only http(s) URLs are fetched, not {parts.scheme or 'this'}:")
    if not host:
        raise FetchError("not a valid URL (no host)")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    ips = [str(literal)] if literal is not None else policy.resolve(host, port)
    if not ips:
        raise FetchError(f"cannot resolve {host}")
    if not policy.allows_private(host, port):
        for ip in ips:
            kind = _kind(ipaddress.ip_address(ip))
            if kind:
                named = host if literal is not None else f"{host} ({ip})"
                raise FetchRefused(f"{named} is {kind}; set {ALLOW_VAR}={host} to allow it")
    return Target(url=url, host=host, port=port, ip=ips[0])


def _pinned(target: Target) -> tuple[str, dict[str, str]]:
    """The URL to request (host replaced by the checked address) and its Host header."""
    parts = urlsplit(target.url)
    ip = f"[{target.ip}]" if ":" in target.ip else target.ip
    netloc = f"{ip}:{target.port}"
    default = 443 if parts.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    host_header = host if target.port == default else f"{host}:{target.port}"
    path = parts.path or "/"
    return urlunsplit((parts.scheme, netloc, path, parts.query, "")), {"Host": host_header}


@dataclass(frozen=True)
class Fetched:
    """A fetched page: its bytes, content type and final URL (after redirects)."""

    body: bytes
    content_type: str
    url: str


def fetch(url: str, policy: FetchPolicy, deadline: float | None = None) -> Fetched:
    """GET `url` under `policy`, following redirects; all within one deadline.

    Args:
        url: an http(s) URL.
        policy: what may be fetched, the time allowed and the size cap.
        deadline: a `time.monotonic()` time to give up at, if earlier than now + timeout
            (a feed's own deadline).

    Raises:
        FetchRefused: the URL, or a redirect, points somewhere the policy forbids.
        FetchError: anything else (HTTP error, timeout, too big, unreachable), in one line.
    """
    import httpx

    start = time.monotonic()
    end = start + policy.timeout
    if deadline is not None:
        end = min(end, deadline)
    timed_out = FetchError(f"timed out after {policy.timeout:g}s (NEWSRAG_FETCH_TIMEOUT)")
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    # trust_env=False: a proxy from the environment would connect on our behalf, unchecked.
    with httpx.Client(follow_redirects=False, trust_env=False, headers=headers) as client:
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            try:
                target = check_url(current, policy)
            except FetchRefused as exc:
                if hop:
                    raise FetchRefused(f"redirected to {current}: {exc.reason}") from None
                raise
            left = end - time.monotonic()
            if left <= 0:
                raise timed_out
            request_url, host = _pinned(target)
            extensions = {"sni_hostname": target.host} if target.url.startswith("https") else {}
            try:
                with client.stream(
                    "GET", request_url, headers=host, timeout=left, extensions=extensions
                ) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"].strip())
                        continue
                    if resp.status_code >= 400:
                        raise FetchError(f"HTTP {resp.status_code} {resp.reason_phrase}")
                    body = _read_body(resp, policy.max_bytes, end, timed_out)
                    return Fetched(body, resp.headers.get("content-type", ""), current)
            except httpx.TimeoutException:
                raise timed_out from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch: {_reason(exc)}") from None
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _read_body(resp: httpx.Response, limit: int, end: float, timed_out: FetchError) -> bytes:
    """Read the body, decoding gzip/deflate ourselves so the cap applies to what it expands to."""
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    decoder = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = BoundedDecoder(encoding, limit)
    elif encoding not in ("", "identity"):
        raise FetchError(f"unsupported content encoding {encoding!r}")
    body = bytearray()
    too_big = FetchError(f"response larger than {limit // 2**20} MiB")
    for part in resp.iter_raw():
        if time.monotonic() > end:  # a server dripping bytes: the page has one deadline
            raise timed_out
        if decoder is not None:
            try:
                part = decoder.feed(part)
            except LimitError:
                raise too_big from None
            except zlib.error as exc:
                raise FetchError(f"corrupt {encoding} body ({exc})") from None
        body += part
        if len(body) > limit:
            raise too_big
    return bytes(body)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
