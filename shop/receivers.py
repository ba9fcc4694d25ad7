"""Receivers of Django's built-in signals that belong to the project as a whole."""

import logging
import sys
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest

logger = logging.getLogger(__name__)

SQLITE_UID = "shop.configure_sqlite"
REQUEST_ERROR_UID = "shop.log_unhandled_exception"


def configure_sqlite(sender: type, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: put a SQLite database file in WAL mode.

    In WAL mode readers never wait for a writer, so the admin and the API keep answering while
    an order ships. The mode is stored in the file; SQLite keeps the old one where WAL cannot
    work (some network file systems), so the result is checked, not assumed. Django turns
    foreign keys on itself, and the busy timeout is ``OPTIONS["timeout"]`` (5 s by default).
    """
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode = WAL")
        (mode,) = cursor.fetchone()
    if mode != "wal":
        logger.warning("SQLite kept journal_mode=%s for %s", mode, connection.settings_dict["NAME"])


def log_unhandled_exception(sender: None, *, request: HttpRequest, **kwargs: Any) -> None:
    """``got_request_exception``: one record naming the request, for a 500 that escaped a view.

    Django logs the traceback itself (logger ``django.request``); this record adds what finds
    it again: the request id (also in the response's X-Request-ID header), method, path and
    user. It is sent with ``send()``, so it must not raise.
    """
    error_type = sys.exc_info()[0]
    fields = {
        "request_id": getattr(request, "request_id", None),
        "method": request.method,
        "path": request.path,
        "user_id": _user_id(request),
        "error": error_type.__name__ if error_type else None,
    }
    logger.error(
        "Unhandled %(error)s on %(method)s %(path)s (request %(request_id)s, user %(user_id)s)",
        fields,
        extra=fields,
    )


def _user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id, or None; never raises, even if the database is down."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # loading a session user can fail for the same reason the request did
        return None
