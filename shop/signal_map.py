"""The live receiver map: every signal the project sends or receives, read from the signals.

Read from each ``Signal.receivers`` at the moment of the call, so it shows what is connected,
not what the code intends. ``manage.py signals`` prints it; the tests compare it with the
wiring they expect.
"""

import weakref
from dataclasses import asdict, dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.dispatch import Signal

# Django's own signal modules; each installed app's ``signals`` module is scanned too.
DJANGO_SIGNAL_MODULES = (
    "django.contrib.auth.signals",
    "django.core.signals",
    "django.db.models.signals",
    "django.db.backends.signals",
)


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
    """(dotted path, signal) for Django's signals and every installed app's ``signals`` module."""
    modules = [*DJANGO_SIGNAL_MODULES]
    modules += [f"{config.name}.signals" for config in apps.get_app_configs()]
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
