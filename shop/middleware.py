"""Request ids, the login-form lockout, and the Content-Security-Policy header."""

import math
import re
import secrets
import uuid

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.deprecation import MiddlewareMixin

from shop import log_context
from shop.api.login import lockout_seconds

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from a proxy or client are kept only if they cannot break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class ShopRequest(HttpRequest):
    """A request as this module's middleware leaves it: the attributes it sets, declared."""

    request_id: str
    csp_nonce: str


class RequestIdMiddleware(MiddlewareMixin):
    """Set ``request.request_id`` (the caller's ``X-Request-ID`` if sane, else a new uuid4),
    put it on every log line of the request (``shop.log_context``) and echo it in the
    response. MiddlewareMixin keeps it async-capable under ASGI."""

    def process_request(self, request: ShopRequest) -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Kept after the response: Django logs a 4xx/5xx once the middleware has returned.
        log_context.request_id.set(request.request_id)

    def process_response(self, request: ShopRequest, response: HttpResponse) -> HttpResponse:
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class LoginLockoutMiddleware(MiddlewareMixin):
    """Refuse a login form's POST while its address or username is locked out (shop/api/login.py).

    A middleware, because the three forms are Django's and DRF's own views: the admin's,
    ``/accounts/login/`` and the browsable API's. The token login checks in its view.
    """

    LOGIN_VIEWS = frozenset({"admin:login", "login", "rest_framework:login"})

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        assert request.resolver_match is not None  # Django resolves the URL before process_view
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


# Only this site's own files and connections. 'self' covers the page's websockets too (ws: and
# wss: to the same host, in CSP 3 browsers). Inline <style> needs the per-response nonce (only
# Swagger UI's page has one); no page has inline scripts or event handlers.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'nonce-{nonce}'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# DRF's browsable API and its login page (its own templates) lay out with style attributes,
# which no nonce can allow: those pages alone may use them.
STYLE_ATTRIBUTE_PATHS = ("/api/", "/api-auth/")


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Set ``Content-Security-Policy`` on every response, with a fresh nonce each time.

    Templates put ``request.csp_nonce`` on an inline ``<style>``; Django 5.2 has no CSP of its
    own. A response that already carries the header keeps it.
    """

    def process_request(self, request: ShopRequest) -> None:
        request.csp_nonce = secrets.token_urlsafe(16)

    def process_response(self, request: ShopRequest, response: HttpResponse) -> HttpResponse:
        directives = {
            name: value.format(nonce=request.csp_nonce)
            for name, value in CONTENT_SECURITY_POLICY.items()
        }
        if request.path.startswith(STYLE_ATTRIBUTE_PATHS):
            directives["style-src-attr"] = "'unsafe-inline'"
        policy = "; ".join(f"{name} {value}" for name, value in directives.items())
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
