"""The project's URLs plus ``/bench/limit/``, the trivial view that measures the server's limit.

The view is authenticated like the API (DRF authentication, ``IsAuthenticated``), but by a
class that compares a fixed header with a constant instead of looking a token up: no database,
no cache. It goes through the same server, the same ASGI handler and the same middleware as
every API request, so its throughput is the ceiling that the real endpoints are compared with.
"""

import hmac

from django.urls import include, path
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

LIMIT_HEADER = "X-Bench-Key"
LIMIT_KEY = "bench-limit-key"  # not a secret: the view returns nothing


class BenchUser:
    """A signed-in user that needs no row: what ``IsAuthenticated`` asks of ``request.user``."""

    is_authenticated = True
    is_active = True
    is_staff = False
    pk = id = 0


class FixedHeaderAuthentication(BaseAuthentication):
    def authenticate(self, request: Request):
        key = request.headers.get(LIMIT_HEADER, "")
        if hmac.compare_digest(key.encode(), LIMIT_KEY.encode()):
            return BenchUser(), None
        return None

    def authenticate_header(self, request: Request) -> str:
        return LIMIT_HEADER


class LimitView(APIView):
    authentication_classes = [FixedHeaderAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("bench/limit/", LimitView.as_view(), name="bench-limit"),
    path("", include("shop.urls")),
]
