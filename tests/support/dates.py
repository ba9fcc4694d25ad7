"""The shop's date format, written out independently of Django's formatting: a test that
compares a page or a message with it checks the format itself, not just agreement."""

from datetime import datetime
from zoneinfo import ZoneInfo


def shop_format(moment: datetime, zone: str) -> str:
    """``moment`` in ``zone`` as the pages show dates: "22 Nov 2026, 23:51"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.day} {local:%b %Y, %H:%M}"
