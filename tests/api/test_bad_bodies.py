"""Any body the API cannot parse is a JSON 400 in the one error format, never a 5xx.

Each case is posted to every operation that reads a body, the unauthenticated token login
included; operations that take no body (cancel, acknowledge) never read it, so they must only
never fail on one. Bodies stay well inside the 64 KiB limit, which has its own 413.
"""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=xyz"
# name: (body, content type, the error code of the 400)
BAD_BODIES = {
    "deeply nested array": (b"[" * 30_000 + b"]" * 30_000, JSON, "parse_error"),
    "deeply nested object": (b'{"a":' * 9_000 + b"1" + b"}" * 9_000, JSON, "parse_error"),
    "invalid UTF-8": (b'{"username": "\xff\xfe"}', JSON, "parse_error"),
    "truncated JSON": (b'{"username": "a', JSON, "parse_error"),
    "NaN": (b'{"quantity": NaN}', JSON, "parse_error"),
    "Infinity": (b"[Infinity]", JSON, "parse_error"),
    "5000-digit integer": (b'{"product": ' + b"9" * 5000 + b"}", JSON, "parse_error"),
    "empty JSON body": (b"", JSON, "invalid"),
    "JSON in an unknown charset": (b'{"a": 1}', "application/json; charset=klingon", "invalid"),
    "unterminated multipart": (
        b"--xyz\r\nContent-Disposition: form-data\r\n\r\nx",
        MULTIPART,
        "invalid",
    ),
    "multipart without a boundary": (b"--xyz--", "multipart/form-data", "parse_error"),
    "form with invalid UTF-8": (b"username=\xff\xfe", FORM, "invalid"),
    "too many form fields": (b"&".join(b"f%d=1" % n for n in range(2000)), FORM, "parse_error"),
    "unknown content type": (b"<order/>", "application/xml", "unsupported_media_type"),
    "no content type": (b"{}", "", "unsupported_media_type"),
}
BAD = pytest.mark.parametrize(
    ("body", "content_type", "code"), BAD_BODIES.values(), ids=list(BAD_BODIES)
)


@pytest.fixture
def paths_with_body(order) -> list[str]:
    """POST paths that read a body, on objects that exist."""
    return ["/api/orders/", "/api/products/", f"/api/orders/{order.pk}/ship/"]


@pytest.fixture
def paths_without_body(order, warehouse_notice) -> list[str]:
    """POST paths that take no body, on objects that exist."""
    return [
        f"/api/orders/{order.pk}/cancel/",
        f"/api/warehouse/notices/{warehouse_notice.pk}/acknowledge/",
    ]


@pytest.fixture
def token_client(superuser) -> Client:
    token = Token.objects.create(user=superuser)
    return Client(raise_request_exception=False, headers={"Authorization": f"Token {token}"})


@pytest.fixture
def session_client(superuser) -> Client:
    """A browser session, with CSRF enforced as in production: the check reads request.POST."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.force_login(superuser)
    client.cookies["csrftoken"] = "a" * 32  # a CSRF secret, sent back by post() as header
    return client


def post(client: Client, path: str, body: bytes, content_type: str):
    headers = {}
    if csrf := client.cookies.get("csrftoken"):
        headers["X-CSRFToken"] = csrf.value
    return client.generic("POST", path, body, content_type=content_type, headers=headers)


def assert_json_400(response, code: str) -> None:
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == JSON
    body = response.json()
    assert body["detail"]
    assert body["code"] == code


@BAD
def test_token_login(body, content_type, code):
    response = post(Client(raise_request_exception=False), "/api/auth/token/", body, content_type)
    if code == "unsupported_media_type":
        assert response.status_code == 415
    else:
        assert_json_400(response, code)


@BAD
@pytest.mark.parametrize("client_name", ["token_client", "session_client"])
def test_signed_in_operations(
    request, paths_with_body, paths_without_body, client_name, body, content_type, code
):
    client = request.getfixturevalue(client_name)
    for path in paths_with_body:
        response = post(client, path, body, content_type)
        if code == "unsupported_media_type":
            assert response.status_code == 415, path
        else:
            assert_json_400(response, code)
    for path in paths_without_body:
        assert post(client, path, body, content_type).status_code < 500, path


def test_malformed_multipart_through_the_csrf_check_is_json(session_client, paths_with_body):
    """Django's CSRF check parses multipart itself, outside DRF's parsers."""
    body, content_type, _code = BAD_BODIES["multipart without a boundary"]
    response = post(session_client, paths_with_body[0], body, content_type)
    assert_json_400(response, "parse_error")
    assert response.json()["detail"].startswith("Multipart form parse error")


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# Random bodies: JSON values (some nested just inside the decoder's limit, where later code
# recurses too), raw bytes, and text, under assorted content types.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["items", "carrier", "price", "sku", "x"]), children)
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.integers(900, 3000).map(lambda depth: nested(depth).encode()),
    st.integers(900, 3000).map(lambda depth: f'{{"items": {nested(depth)}}}'.encode()),
    st.integers(900, 3000).map(lambda depth: f'{{"carrier": {nested(depth)}}}'.encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)
CONTENT_TYPES = st.sampled_from(
    [
        *(JSON, FORM, MULTIPART, "multipart/form-data", "text/plain", "*/*", ""),
        *("application/json; charset=x", "application/json; charset=utf-16"),
        "application/vnd.api+json",
    ]
)


# The fixtures' objects are shared by the examples: a cancelled order makes ship a 409, fine.
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=BODIES, content_type=CONTENT_TYPES)
def test_random_bodies_never_fail_the_server(
    token_client, paths_with_body, paths_without_body, body, content_type
):
    for path in ["/api/auth/token/", *paths_with_body, *paths_without_body]:
        response = post(token_client, path, body, content_type)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code >= 400:
            assert response["Content-Type"] == JSON
            assert {"detail", "code"} <= set(response.json())
