"""Jurisdiction (属地管理): is an incident the department's own to answer?

``[jurisdiction] province`` names the home province (``山东省``, or ``山东``: the gazetteer resolves
it). The tagger already maps every city and county it recognises, anywhere in China, to its province,
so an incident is inside when its province is the home province, and also while its place is unknown
(design.md: unknown counts as inside until a place is found).
"""

from __future__ import annotations

import logging

from nlp.places import PlaceFinder

logger = logging.getLogger(__name__)


def home_province(configured: str, finder: PlaceFinder | None = None) -> str:
    """The configured province by its full name (``山东`` -> ``山东省``); unknown names are kept as written."""
    finder = finder or PlaceFinder()
    return finder.province_of(configured) or configured.strip()


def in_jurisdiction(province: str | None, home: str) -> bool:
    return province is None or province == home
