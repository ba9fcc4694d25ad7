"""Dates in websocket messages: ISO 8601 for programs, and the text the pages show.

A page renders its dates with ``{{ value|date:"DATETIME_FORMAT" }}``; a live update must
read the same, so the server formats it (in the shop's ``TIME_ZONE`` and language) rather than
the browser, whose time zone and locale are the visitor's.
"""

from datetime import datetime

from django.utils import formats, timezone


def display(moment: datetime) -> str:
    """``moment`` as the pages show it, e.g. "22 Nov 2026, 23:51"."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def display_iso(value: str) -> str:
    """``display`` of an ISO 8601 string, as the event payloads store their dates."""
    return display(datetime.fromisoformat(value))
