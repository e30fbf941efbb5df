"""Page bytes to clean text: pick the real encoding of a page, and normalise the text a spider extracts.

Step 2 of a post's path (a spider parses a page). ``decode_html`` trusts a declared charset (HTTP header, then
``<meta charset>``) only when the bytes decode cleanly under it and the result does not look like mojibake; GBK
and GB2312 are read as their superset GB18030, and Big5 as Big5-HKSCS/CP950. ``normalize_text`` gives the form
we store and compare (entities unescaped, NFKC, zero-width characters dropped, white space folded); the
original title is kept beside it for display.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
import unicodedata
from collections.abc import Iterator

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

META_SCAN_BYTES = 2048

# Characters that carry no text: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# A UTF-8 lead byte read as Latin-1/CP1252 (Ã, ä, å, æ, ç, è, é ...) followed by a continuation byte read the same way.
_LATIN_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Scripts that appear when Big5 or random bytes are read as GBK: kana, Greek, Cyrillic, box drawing, private use.
_ODD_SCRIPT = re.compile("[\u3040-\u30ff\u0370-\u03ff\u0400-\u04ff\u2500-\u257f\ue000-\uf8ff]")
_CJK = re.compile("[\u4e00-\u9fff]")
# Labels servers send by default, which say nothing about the real bytes of a Chinese page.
_WEAK_CHARSETS = frozenset({"ascii", "iso8859-1", "cp1252"})
_LABEL_ALIASES = {"x-gbk": "gbk", "gb_2312-80": "gb2312", "x-gb2312": "gb2312", "x-big5": "big5", "unicode": "utf-8"}
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "hz": "gb18030", "big5": "cp950", "cp936": "gb18030"}
_ALTERNATES = {"cp950": ("cp950", "big5hkscs"), "big5hkscs": ("big5hkscs", "cp950")}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def normalize_text(text: str) -> str:
    """The stored form of a text: entities unescaped, NFKC, invisible characters removed, one ``\\n`` per paragraph."""
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL.sub(" ", text.replace("\t", " "))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def normalize_title(title: str) -> str:
    """A title on one line, normalised like ``normalize_text`` (for matching; display the original)."""
    return " ".join(normalize_text(title).split("\n"))


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """Decode a page to text; return it with the codec used. Never returns mojibake for GB*/Big5/UTF-8 pages."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    tried: list[str] = []
    for candidate in _candidates(body, header_charset):
        if candidate in tried:
            continue
        tried.append(candidate)
        text = _strict(body, candidate)
        if text is not None and not looks_like_mojibake(text):
            return text, candidate
    logger.debug("no clean charset found tried=%s", ",".join(tried))
    return _least_damaged(body, tried)


def looks_like_mojibake(text: str) -> bool:
    """Heuristic: replacement characters, UTF-8 read as Latin-1 (``Ã¥``, ``ä¸­``), or kana/Greek/box drawing
    scattered through Chinese text (Big5 read as GBK)."""
    suspicious = text.count("\ufffd") + 2 * len(_LATIN_MOJIBAKE.findall(text))
    if _CJK.search(text):
        suspicious += len(_ODD_SCRIPT.findall(text))
    if suspicious < 2:
        return False
    visible = len("".join(text.split()))  # str.split() splits on exactly the characters str.isspace() accepts
    return suspicious > 0.03 * visible


def _candidates(body: bytes, header_charset: str | None) -> Iterator[str]:
    """Codecs to try, best evidence first: valid UTF-8, the header, the meta tag, detection, then GB18030 and Big5.

    Lazy, so that detection (the slow step) runs only when the declarations fail."""
    if not body.isascii() and _strict(body, "utf-8") is not None:
        yield "utf-8"  # real GBK or Big5 text is practically never valid UTF-8, while UTF-8 often passes as GBK
    for declared in (header_charset, _meta_charset(body)):
        name = _codec(declared)
        if name is not None and (name not in _WEAK_CHARSETS or body.isascii()):
            yield from _ALTERNATES.get(name, (name,))
    detected = _detect(body)
    if detected:
        yield from _ALTERNATES.get(detected, (detected,))
    yield from ("utf-8", "gb18030", "cp950", "big5hkscs")


def _codec(label: str | None) -> str | None:
    """Python's codec name for a charset label, with GBK/GB2312 widened to GB18030 and Big5 to CP950."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


def _detect(body: bytes) -> str | None:
    best = from_bytes(body).best()
    return _codec(best.encoding) if best is not None else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _least_damaged(body: bytes, tried: list[str]) -> tuple[str, str]:
    """When no codec decodes cleanly, the one with the fewest replacement characters."""
    decoded = []
    for codec in tried:
        try:
            decoded.append((body.decode(codec, errors="replace"), codec))
        except LookupError:
            continue
    return min(decoded, key=lambda pair: pair[0].count("\ufffd"))
