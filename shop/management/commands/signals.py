"""``manage.py signals``: the live receiver map, as a table or as JSON.

Read from each ``Signal.receivers`` at the moment of the call, so it shows what is connected,
not what the code intends. The tests compare the same map with the wiring they expect.
"""

import json
import weakref
from dataclasses import asdict, dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.dispatch import Signal

# Django's own signal modules; each installed app's ``signals`` module is scanned too, then
# the API conventions' (the websocket base consumer sends ``websocket_event``).
DJANGO_SIGNAL_MODULES = (
    "django.contrib.auth.signals",
    "django.core.signals",
    "django.db.models.signals",
    "django.db.backends.signals",
)
API_SIGNAL_MODULE = "shop.api.signals"


@dataclass(frozen=True)
class Receiver:
    receiver: str  # dotted path of the function
    dispatch_uid: str | None
    sender: str  # model label, "app <label>", or "any"
    is_async: bool


@dataclass(frozen=True)
class SignalWiring:
    signal: str  # dotted path where the signal is defined
    sent_by_project: bool
    receivers: tuple[Receiver, ...]

    def as_dict(self) -> dict:
        return asdict(self)


@cache
def known_signals() -> tuple[tuple[str, Signal], ...]:
    """(dotted path, signal) for Django's signals, every installed app's and the API's."""
    modules = [*DJANGO_SIGNAL_MODULES]
    modules += [f"{config.name}.signals" for config in apps.get_app_configs()]
    modules.append(API_SIGNAL_MODULE)
    found: dict[int, tuple[str, Signal]] = {}
    for module_name in modules:
        if find_spec(module_name) is None:
            continue
        for name, value in vars(import_module(module_name)).items():
            if isinstance(value, Signal) and id(value) not in found:  # first, not re-exports
                found[id(value)] = (f"{module_name}.{name}", value)
    return tuple(found.values())


def is_project_module(module: str, packages: tuple[str, ...] | None = None) -> bool:
    packages = tuple(settings.PROJECT_APPS) if packages is None else packages
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def dotted_path(receiver: object) -> str:
    qualname = getattr(receiver, "__qualname__", type(receiver).__qualname__)
    return f"{getattr(receiver, '__module__', '?')}.{qualname}"


def live_receivers(signal: Signal) -> list[tuple[tuple, object, bool]]:
    """(lookup key, receiver, is_async) for each receiver that is still alive."""
    entries = []
    for lookup_key, ref, is_async in list(signal.receivers):
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if receiver is not None:
            entries.append((lookup_key, receiver, is_async))
    return entries


def signal_map(*, include_all: bool = False) -> list[SignalWiring]:
    """The project's signals with all their receivers, then Django's and other apps' signals
    with the project's receivers (every receiver with ``include_all``)."""
    senders = _sender_labels()
    wiring = []
    for path, signal in known_signals():
        sent_by_project = is_project_module(path)
        receivers = tuple(
            Receiver(
                receiver=dotted_path(receiver),
                dispatch_uid=uid if isinstance(uid, str) else None,
                sender=senders.get(sender_id, f"<object {sender_id}>"),
                is_async=is_async,
            )
            for (uid, sender_id), receiver, is_async in live_receivers(signal)
            if include_all or sent_by_project or is_project_module(dotted_path(receiver))
        )
        if sent_by_project or receivers:
            wiring.append(SignalWiring(path, sent_by_project, receivers))
    return sorted(wiring, key=lambda item: not item.sent_by_project)


def _sender_labels() -> dict[object, str]:
    """Signals store a sender only as its id(): map the ids of the usual senders to names."""
    labels: dict[object, str] = {id(None): "any"}
    labels.update(
        {id(model): model._meta.label for model in apps.get_models(include_auto_created=True)}
    )
    labels.update({id(config): f"app {config.label}" for config in apps.get_app_configs()})
    return labels


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
