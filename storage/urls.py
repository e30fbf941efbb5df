"""Canonical URLs: one document, one address, however the link that led to it was decorated.

Scheme and host are lower-cased, default ports and the fragment dropped, tracking parameters
(``utm_*``, ``spm``, ``from`` …) removed and the remaining query sorted, so the same article
reached from a feed, a share button and a search result is stored once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "spm",
        "from",
        "fromsource",
        "share_from",
        "share_token",
        "sharesource",
        "scene",
        "isappinstalled",
        "wfr",
        "vd_source",
        "share_source",
        "share_medium",
        "fbclid",
        "gclid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL; raise ValueError otherwise."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"应为以 http:// 或 https:// 开头的完整网址，实际为 {url!r}")
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets: http://[::1]/
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"网址端口无效：{url!r}") from None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), doseq=True), ""))
