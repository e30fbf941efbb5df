"""A :class:`~reports.document.Report` as HTML with inline CSS (Jinja2, ``reports/templates``).

Step in the flow: ``reports.send`` mails ``render(report, images="cid")`` with each chart as an inline
part (``cid:daily_volume.png``); ``reports.commands`` saves ``render(report, images="data")``, whose
charts are ``data:`` URIs so the one file opens anywhere. Styles are inline attributes, because mail
clients (Outlook among them) drop ``<style>`` blocks.
"""

from __future__ import annotations

import base64
import functools
import logging

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.document import Bullets, Figure, Paragraph, Report, Table, xml_safe_report

logger = logging.getLogger(__name__)

TONES = {"": "color:#222;", "note": "color:#666;font-size:13px;", "alert": "color:#b71c1c;", "good": "color:#1b5e20;"}


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests.update(
        paragraph=lambda b: isinstance(b, Paragraph),
        bullets=lambda b: isinstance(b, Bullets),
        table=lambda b: isinstance(b, Table),
        figure=lambda b: isinstance(b, Figure),
    )
    env.globals["tones"] = TONES
    return env


def render(report: Report, *, images: str) -> str:
    """The report as one HTML page; ``images`` is ``cid`` (e-mail) or ``data`` (a saved file)."""
    if images not in ("cid", "data"):
        raise ValueError(f"images must be 'cid' or 'data', not {images!r}")

    def source(figure: Figure) -> str:
        if images == "cid":
            return f"cid:{figure.name}"
        return "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")

    template = environment().get_template(f"{report.kind}.html")
    return template.render(report=xml_safe_report(report), image_source=source)
