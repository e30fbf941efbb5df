"""The shape of a report, independent of its format: sections of paragraphs, tables, lists and figures.

Step in the flow: ``reports.digest`` and ``reports.evaluation`` build a :class:`Report`; ``reports.html``
renders it as an e-mail or a saved page (Jinja2 templates), ``reports.docx`` as a Word document. Both
read the same values, so the e-mail, the page and the .docx can never disagree on a number.

Text is made of :class:`Run` pieces; a run with a ``url`` is a link (to the post a figure came from).
Everything in a report is already de-identified by the builders (``reports.privacy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


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
