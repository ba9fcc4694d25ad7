"""Give every request an id that the logs and the response share."""

import re
import uuid

from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

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
