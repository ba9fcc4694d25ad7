"""Logins: the API's token login, and the lockout that every login shares.

Failed logins are counted through Django's ``user_login_failed`` signal, which every login
sends: the admin's, ``/accounts/login/``, the browsable API's ``/api-auth/login/`` and the token
login. They are counted per client address and per username, in the default cache (Redis in
production, so every process sees the same counts). Once either has ``LOGIN_FAILURE_LIMIT``
failures within ``LOGIN_FAILURE_WINDOW`` seconds, further attempts with that address or that
username are refused with a 429 and ``Retry-After`` until the oldest failure leaves the window,
even with the right password: otherwise guessing would simply go on. Logins with other
usernames from other addresses are not affected.

When the cache is unreachable the lockout fails open, with a warning: a Redis outage must not
lock everyone out of the admin.
"""

import hashlib
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from shop.api.throttling import LoginRateThrottle

logger = logging.getLogger(__name__)

RECORD_LOGIN_FAILURE_UID = "shop.record_login_failure"
# The clock, a module attribute so that tests can move it.
timer = time.time


def client_address(request: HttpRequest | Request) -> str:
    """The address the API throttles use too: ``NUM_PROXIES`` says which one to trust."""
    # get_ident reads request.META alone, which a Django request has too (the stubs want DRF's).
    return BaseThrottle().get_ident(request) or ""  # type: ignore[arg-type]


def _history_keys(request: HttpRequest | Request, username: str | None) -> list[str]:
    keys = [f"login-failures:address:{client_address(request)}"]
    if username:
        # Hashed: a username can hold characters and lengths a cache key cannot.
        digest = hashlib.sha256(username.encode()).hexdigest()
        keys.append(f"login-failures:username:{digest}")
    return keys


def _recent(history: list[float], now: float) -> list[float]:
    return [at for at in history if at > now - settings.LOGIN_FAILURE_WINDOW]


def record_login_failure(
    sender: str, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs
) -> None:
    """``user_login_failed``: add the failure to its address's and its username's history."""
    if request is None:  # authenticate() called outside a request (a script, a test)
        return
    now = timer()
    username = credentials.get(get_user_model().USERNAME_FIELD)
    try:
        for key in _history_keys(request, username if isinstance(username, str) else None):
            history = _recent(cache.get(key, []), now)
            history = [*history, now][-settings.LOGIN_FAILURE_LIMIT :]
            cache.set(key, history, math.ceil(settings.LOGIN_FAILURE_WINDOW))
    except Exception as exc:  # the cache backend's own errors
        logger.warning("Login failure not recorded: cache unavailable (%r)", exc)


def lockout_seconds(request: HttpRequest | Request, username: str | None) -> int | None:
    """Seconds until a login from this address with this username may be tried, or None."""
    now = timer()
    try:
        histories = cache.get_many(_history_keys(request, username)).values()
    except Exception as exc:
        logger.warning("Login lockout not checked: cache unavailable (%r)", exc)
        return None
    waits = [
        recent[-settings.LOGIN_FAILURE_LIMIT] + settings.LOGIN_FAILURE_WINDOW - now
        for recent in (_recent(history, now) for history in histories)
        if len(recent) >= settings.LOGIN_FAILURE_LIMIT
    ]
    return math.ceil(max(waits)) if waits else None


class TokenLoginView(ObtainAuthToken):
    """DRF's token login, rate-limited per client address and locked out like every login.

    It authenticates nobody: credentials sent along (a stale token, a session cookie) are
    ignored, so a login never fails with a 401 or a CSRF 403. Inactive users get no token.
    """

    authentication_classes = []
    # The project's parsers, not ObtainAuthToken's own list of DRF's.
    # api_settings imports the dotted paths; the stubs type the setting as the strings.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # type: ignore[assignment]
    throttle_classes = [LoginRateThrottle]

    def post(self, request: Request, *args, **kwargs) -> Response:
        username = request.data.get("username") if isinstance(request.data, Mapping) else None
        wait = lockout_seconds(request, username if isinstance(username, str) else None)
        if wait is not None:
            raise Throttled(wait, detail="Too many failed logins. Try again later.")
        return super().post(request, *args, **kwargs)
