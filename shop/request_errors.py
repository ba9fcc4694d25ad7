"""``got_request_exception``: one log record naming the request for every 500 a view let out."""

import logging
import sys
from typing import Any

from django.http import HttpRequest

logger = logging.getLogger(__name__)

LOG_UNHANDLED_EXCEPTION_UID = "shop.log_unhandled_exception"


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
