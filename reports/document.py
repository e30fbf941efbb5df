"""The shape of a report, independent of its format: sections of paragraphs, tables, lists and figures.

Step in the flow: ``reports.digest`` and ``reports.evaluation`` build a :class:`Report`; ``reports.html``
renders it as an e-mail or a saved page (Jinja2 templates), ``reports.docx`` as a Word document. Both
read the same values, so the e-mail, the page and the .docx can never disagree on a number.

Text is made of :class:`Run` pieces; a run with a ``url`` is a link (to the post a figure came from).
Everything in a report is already de-identified by the builders (``reports.privacy``).

Stored text may hold characters XML 1.0 forbids (a vertical tab pasted into a title, a NUL from a broken
feed); python-docx refuses them and the whole report would fail. Both renderers therefore start from
:func:`xml_safe_report`, the one place every string of the model is made XML-safe (:func:`xml_safe`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Run:
    text: str
    url: str | None = None
    bold: bool = False


Text = tuple[Run, ...]


def text(*parts: str | Run) -> Text:
    """A piece of text from plain strings and runs."""
    return tuple(part if isinstance(part, Run) else Run(part) for part in parts if part != "")


def plain(value: Text) -> str:
    return "".join(run.text for run in value)


def sources(urls: Sequence[str], limit: int = 5) -> list[Run]:
    """Numbered links ``[1][2]…`` to the posts behind a figure (at most ``limit``, then ``等N条``)."""
    runs = [Run(f"[{i}]", url=url) for i, url in enumerate(urls[:limit], start=1)]
    if len(urls) > limit:
        runs.append(Run(f"等{len(urls)}条"))
    return runs


@dataclass(frozen=True)
class Paragraph:
    content: Text
    tone: str = ""  # "" | "note" (small, grey) | "alert" (red) | "good" (green)


@dataclass(frozen=True)
class Bullets:
    items: tuple[Text, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    caption: str = ""
    widths: tuple[float, ...] = ()  # relative column widths (docx); empty: equal


@dataclass(frozen=True)
class Figure:
    name: str  # file-like name, also the Content-ID of the inline image: ``daily_volume.png``
    png: bytes
    caption: str


Block = Paragraph | Bullets | Table | Figure


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> Section:
        self.blocks.append(block)
        return self


@dataclass
class Report:
    kind: str  # "digest" | "evaluation"
    title: str
    subtitle: str
    filename: str  # without extension: 舆情周报_2026-W48
    summary: list[Text] = field(default_factory=list)  # the lead: a few sentences for the reader in a hurry
    sections: list[Section] = field(default_factory=list)
    footer: str = ""

    def section(self, heading: str) -> Section:
        found = Section(heading)
        self.sections.append(found)
        return found

    def figures(self) -> list[Figure]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Figure)]


# Characters XML 1.0 does not allow (tab, LF and CR are allowed): C0 controls, lone surrogates, U+FFFE/U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SEPARATORS = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")  # vertical tab, form feed, information separators


def xml_safe(value: str) -> str:
    """``value`` with every XML-invalid character gone: separators become a space, the rest are dropped."""
    if not _XML_INVALID.search(value):
        return value
    return _XML_INVALID.sub(lambda m: " " if m.group() in _SEPARATORS else "", value)


def _safe_text(value: Text) -> Text:
    return tuple(
        replace(run, text=xml_safe(run.text), url=xml_safe(run.url) if run.url is not None else None) for run in value
    )


def _safe_block(block: Block) -> Block:
    if isinstance(block, Paragraph):
        return replace(block, content=_safe_text(block.content))
    if isinstance(block, Bullets):
        return replace(block, items=tuple(_safe_text(item) for item in block.items))
    if isinstance(block, Table):
        return replace(
            block,
            header=tuple(xml_safe(h) for h in block.header),
            rows=tuple(tuple(_safe_text(cell) for cell in row) for row in block.rows),
            caption=xml_safe(block.caption),
        )
    return replace(block, caption=xml_safe(block.caption))


def xml_safe_report(report: Report) -> Report:
    """A copy of ``report`` whose every string is :func:`xml_safe`: what the HTML and Word renderers write."""
    return replace(
        report,
        title=xml_safe(report.title),
        subtitle=xml_safe(report.subtitle),
        summary=[_safe_text(line) for line in report.summary],
        sections=[
            Section(xml_safe(part.heading), [_safe_block(block) for block in part.blocks]) for part in report.sections
        ],
        footer=xml_safe(report.footer),
    )
