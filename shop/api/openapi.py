"""The OpenAPI schema documents each operation's error responses, derived from how it is built.

drf-spectacular documents the success response of each operation. ``AutoSchema`` adds the
4xx responses the operation can return, in the one error format of ``shop.api.errors``:

| status | documented when |
| --- | --- |
| 400 | the operation takes a body or a filter parameter |
| 401 | the operation needs credentials |
| 403 | the operation writes (CSRF for session users, staff-only actions) |
| 404 | the path has a parameter, or the list is paginated (a page that does not exist) |
| 413, 415 | the operation takes a body (too large, or not JSON or a form) |
| 429 | a throttle applies to the method |

Anything else, such as a 409 or a 403 on a read, is declared on the view with
``extend_schema(responses=...)``; declared responses are never replaced.
"""

from drf_spectacular import openapi
from rest_framework.permissions import SAFE_METHODS

from shop.api.errors import ErrorSerializer, ValidationErrorSerializer
from shop.api.throttling import WriteRateThrottle

PAGE_PARAMETER = "page"
DESCRIPTIONS = {
    400: "Invalid input: see `errors` for the message per field.",
    401: "No credentials, or invalid ones (unknown token, inactive user).",
    403: "Not allowed: the action needs staff, or a session write lacks its CSRF token.",
    404: "Not found, or not visible to the caller; on a list, a page that does not exist.",
    413: "The request body is larger than the limit.",
    415: "The body is neither JSON nor a form.",
    429: "Too many requests: retry after `Retry-After` seconds.",
}
HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate: `Token`.",
            "schema": {"type": "string"},
            "required": True,
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        }
    },
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                _describe_query_parameter(parameter)
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(str(status), self._error_response(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation: dict) -> set[int]:
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        has_body = "requestBody" in operation
        # drf-spectacular puts {} in `security` when credentials are optional (AllowAny), and
        # leaves `security` out when the view authenticates nobody.
        needs_credentials = {} not in operation.get("security", [{}])
        statuses = set()
        if has_body or query - {PAGE_PARAMETER}:
            statuses.add(400)
        if needs_credentials:
            statuses.add(401)
            if self.method not in SAFE_METHODS:
                statuses.add(403)
        if PAGE_PARAMETER in query or any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if has_body:
            statuses |= {413, 415}
        if self._is_throttled():
            statuses.add(429)
        return statuses

    def _is_throttled(self) -> bool:
        return any(
            not (isinstance(throttle, WriteRateThrottle) and self.method in SAFE_METHODS)
            for throttle in self.view.get_throttles()
        )

    def _error_response(self, status: int) -> dict:
        serializer = ValidationErrorSerializer if status == 400 else ErrorSerializer
        ref = self.resolve_serializer(serializer, "response").ref
        response = {
            "description": DESCRIPTIONS[status],
            "content": {"application/json": {"schema": ref}},
        }
        if status in HEADERS:
            response["headers"] = HEADERS[status]
        return response


def _describe_query_parameter(parameter: dict) -> None:
    # An empty filter is no filter (django-filter); an empty page is the first page (DRF).
    parameter["allowEmptyValue"] = True
    if parameter["name"] == PAGE_PARAMETER:
        parameter["schema"]["minimum"] = 1
