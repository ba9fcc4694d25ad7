"""The OpenAPI schema: generated without warnings, valid, served, and matching docs/api.md."""

import re
import subprocess
import sys

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.support.live_services import BASE_DIR

DOCUMENTED_ROW = re.compile(
    r"^\| `(GET|POST|PUT|PATCH|DELETE) (/\S*)` \| (\d{3}(?:, \d{3})*) \| ([\d, ]+) \|$"
)
ERROR_SCHEMAS = {"Error", "ValidationError", "TransitionConflict"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_schema_generates_without_warnings_and_validates():
    """What CI asks of the schema: no warning from drf-spectacular, valid OpenAPI 3."""
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("openapi: 3.0.3")


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_public(client):
    schema_response = client.get("/api/schema/?format=json")
    assert schema_response.status_code == 200
    assert schema_response.json()["info"]["title"] == "Shop order workflow API"

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page, "served by the app"
    assert "cdn.jsdelivr.net" not in page


def test_every_operation_documents_its_body_success_and_errors(schema):
    for label, operation in operations(schema):
        responses = operation["responses"]
        # One success, but for the tracking events: new (201/202) or seen before (200).
        successes = [code for code in responses if code.startswith("2")]
        assert len(successes) == 1 or (label.startswith("POST") and label.endswith("/events/")), (
            label
        )
        for success in successes:
            if success != "204":  # No Content: a DELETE answers with nothing, by definition
                assert "content" in responses[success], f"{label}: success without a body"
        assert any(code.startswith("4") for code in responses), label
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, label
            assert {"400", "413", "415"} <= set(responses), label
        if operation.get("security"):
            assert "401" in responses, f"{label} needs credentials"


def test_every_error_response_uses_the_error_format(schema):
    components = schema["components"]["schemas"]
    for label, operation in operations(schema):
        for code, response in operation["responses"].items():
            if not code.startswith("4"):
                continue
            ref = response["content"]["application/json"]["schema"]["$ref"]
            name = ref.rsplit("/", 1)[1]
            assert name in ERROR_SCHEMAS, f"{label} {code}: {name}"
            assert {"detail", "code"} <= set(components[name]["required"]), name


def test_throttled_responses_document_retry_after(schema):
    throttled = [op["responses"]["429"] for _, op in operations(schema) if "429" in op["responses"]]
    assert throttled
    for response in throttled:
        assert response["headers"]["Retry-After"]["required"] is True


def test_docs_list_exactly_the_operations_and_status_codes_of_the_schema(schema):
    documented = {}
    for line in (BASE_DIR / "docs" / "api.md").read_text().splitlines():
        if match := DOCUMENTED_ROW.match(line):
            method, path, success, errors = match.groups()
            codes = f"{success},{errors}".replace(" ", "").split(",")
            documented[f"{method} {path}"] = set(codes)

    generated = {label: set(operation["responses"]) for label, operation in operations(schema)}

    assert documented == generated
