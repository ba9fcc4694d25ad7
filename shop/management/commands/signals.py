"""``manage.py signals``: the live receiver map, as a table or as JSON."""

import json

from django.core.management.base import BaseCommand

from shop.signal_map import SignalWiring, signal_map

HEADER = ("SIGNAL", "RECEIVER", "DISPATCH_UID", "SENDER", "ASYNC")


class Command(BaseCommand):
    help = (
        "List every signal the project sends or receives with its connected receivers: "
        "dotted path, dispatch_uid, sender filter and whether it is async."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON instead of a table."
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="include_all",
            help="Also list Django's and third-party receivers of the signals shown.",
        )

    def handle(self, *args, as_json: bool, include_all: bool, **options) -> None:
        wiring = signal_map(include_all=include_all)
        if as_json:
            self.stdout.write(json.dumps([item.as_dict() for item in wiring], indent=2))
        else:
            self.stdout.write(format_table(wiring))


def format_table(wiring: list[SignalWiring]) -> str:
    """One row per receiver; a project signal nobody receives gets a row of its own."""
    rows = [HEADER]
    for item in wiring:
        rows += [
            (
                item.signal,
                receiver.receiver,
                receiver.dispatch_uid or "-",
                receiver.sender,
                "yes" if receiver.is_async else "no",
            )
            for receiver in item.receivers
        ] or [(item.signal, "(no receivers)", "-", "-", "-")]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
