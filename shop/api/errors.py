"""One error format for every 4xx the API returns.

Every error body is JSON with a human-readable ``detail`` and a machine-readable ``code``.
Validation errors (400, code ``invalid``) add ``errors``: the messages per field, with errors
that belong to no field under ``non_field_errors``. A few errors add context, such as the
order's ``status`` on a 409. docs/api.md lists the codes.
"""

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from shop.api.renderers import JSONRenderer


class Conflict(exceptions.APIException):
    """The request is valid but the resource's current state refuses it (HTTP 409).

    ``context`` is added to the body, so the client learns the state without another request.
    """

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, *, code: str, **context: Any) -> None:
        super().__init__(detail, code)
        self.context = context


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (status, headers, rollback), with the body rewritten to the one format.

    Anything that is not a client error returns None, so Django answers it with a 500.
    """
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:  # DRF answers an APIException only (the others were converted)
        response.data = error_body(cast(exceptions.APIException, exc))
    return response


def _as_api_exception(exc: Exception) -> Exception:
    """The Django exceptions a view may raise, as the DRF exceptions they stand for."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    # Raised where Django itself reads the body (request.POST, as the CSRF check does) rather
    # than DRF's parsers; Django would answer them with its HTML 400 page.
    if isinstance(exc, MultiPartParserError):
        return exceptions.ParseError(f"Multipart form parse error - {exc}")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(str(exc))
    return exc


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        errors = detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
        return {"detail": "Invalid input.", "code": exc.default_code, "errors": errors}
    return {
        "detail": str(exc.detail),
        "code": exc.get_codes(),
        **getattr(exc, "context", {}),
    }


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown URLs under /api/ get the JSON 404, never Django's HTML page.

    A path that only lacks its trailing slash says which URL was meant: redirecting instead
    would turn a POST into a GET. CSRF-exempt, so a POST gets this 404 rather than a CSRF 403.
    """
    detail = f"No API endpoint at {request.path}."
    with_slash = f"{request.path}/"
    if not request.path.endswith("/") and _is_endpoint(with_slash):
        detail += f" Did you mean {with_slash}?"
    return HttpResponse(
        JSONRenderer().render({"detail": detail, "code": "not_found"}),
        status=404,
        content_type="application/json",
    )


def _is_endpoint(path: str) -> bool:
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False


# --- Shapes for the OpenAPI schema ------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs: see docs/api.md.")


class ValidationErrorSerializer(ErrorSerializer):
    # A field named like Serializer.errors: this serializer only describes the schema.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text=(
            "Present when code is `invalid`: a list of messages per field. Nested fields "
            "(order items) nest the same way; errors about no single field are under "
            "`non_field_errors`."
        ),
    )
