"""Rate limits for token login (per client address) and for writes (per user).

The request history lives in Django's default cache: Redis when ``REDIS_URL`` is set, so every
web process counts against the same limit. Rates are in ``REST_FRAMEWORK`` settings under the
scopes ``login`` and ``writes``. When the cache is unreachable the limits fail open: a Redis
outage must not turn every write (a ship) into a 500.
"""

import logging

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class RateThrottle(SimpleRateThrottle):
    """DRF's cache-based throttle, with two fixes.

    - Rates are read on every request, not once at import, so a changed setting applies.
    - ``wait()`` is exact and never None. DRF's returns None once the history holds more
      requests than the rate allows (the rate was lowered, or two processes raced), and the
      429 then goes out without ``Retry-After``.
    - A cache error lets the request through, with a warning: the limit is abuse protection,
      not something a request must wait on or fail for.
    """

    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the backend's own errors: redis-py's, or another cache's
            logger.warning("Throttle %s not applied: cache unavailable (%r)", self.scope, exc)
            return True

    # Set by SimpleRateThrottle.__init__ from the parsed rate; its stubs leave them out.
    num_requests: int
    duration: int

    # A read-only view of the setting stands in for DRF's class attribute, on purpose.
    @property
    def THROTTLE_RATES(self) -> dict[str, str | None]:  # type: ignore[override]
        # The stubs type the rates as numbers; DRF's are "count/period" strings.
        return api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[return-value]

    def wait(self) -> float:
        """Seconds until enough requests have left the window for one more to pass."""
        if not self.history:  # a rate of 0 requests: nothing will ever leave the window
            return self.duration
        oldest_to_expire = self.history[self.num_requests - 1]
        return self.duration - (self.now - oldest_to_expire)


class LoginRateThrottle(RateThrottle):
    """Token login attempts per client address (``NUM_PROXIES`` says which one to trust)."""

    scope = "login"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteRateThrottle(RateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per signed-in user; reads are not limited."""

    scope = "writes"

    def allow_request(self, request: Request, view) -> bool:
        return request.method in SAFE_METHODS or super().allow_request(request, view)

    def get_cache_key(self, request: Request, view) -> str:
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
