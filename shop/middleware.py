"""Request ids, the login-form lockout, and the Content-Security-Policy header."""

import math
import re
import uuid

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.deprecation import MiddlewareMixin

from shop.login import lockout_seconds

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from a proxy or client are kept only if they cannot break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware(MiddlewareMixin):
    """Set ``request.request_id`` (the caller's ``X-Request-ID`` if sane, else a new uuid4)
    and echo it in the response. MiddlewareMixin keeps it async-capable under ASGI."""

    def process_request(self, request: HttpRequest) -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class LoginLockoutMiddleware(MiddlewareMixin):
    """Refuse a login form's POST while its address or username is locked out (shop/login.py).

    A middleware, because the three forms are Django's and DRF's own views: the admin's,
    ``/accounts/login/`` and the browsable API's. The token login checks in its view.
    """

    LOGIN_VIEWS = frozenset({"admin:login", "login", "rest_framework:login"})

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match.view_name not in self.LOGIN_VIEWS:
            return None
        wait = lockout_seconds(request, request.POST.get("username") or None)
        if wait is None:
            return None
        response = TemplateResponse(
            request, "registration/locked_out.html", {"minutes": math.ceil(wait / 60)}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
