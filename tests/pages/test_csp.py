"""Every response carries a Content-Security-Policy: this site's own files and connections only.

The browser journeys (tests/live/test_browser_journeys.py) check that the live pages run under it
with no violation.
"""

import re

import pytest

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22})'")


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/admin/", "/api/docs/", "/api/orders/", "/health/"]
)
def test_every_response_has_the_policy(admin_client, path):
    policy = directives(admin_client.get(path))

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'", "no inline scripts, no eval"
    assert NONCE.fullmatch(policy["style-src"].removeprefix("'self' "))
    assert policy["connect-src"] == "'self'", "the page's own websockets included"
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_errors_and_redirects_have_it_too(client):
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    assert "Content-Security-Policy" in client.get("/admin/")  # a redirect to the login page


def test_each_response_has_its_own_nonce(client):
    first, second = (
        NONCE.search(client.get("/accounts/login/")["Content-Security-Policy"]) for _ in "ab"
    )
    assert first, "every response carries a nonce"
    assert second, "every response carries a nonce"
    assert first.group(1) != second.group(1)


def test_swagger_ui_has_no_inline_script_and_a_nonced_style(client):
    response = client.get("/api/docs/")
    [nonce] = NONCE.findall(response["Content-Security-Policy"])
    page = response.content.decode()

    assert f'<style nonce="{nonce}">' in page
    assert "<script>" not in page, "the start-up script comes from ?script="
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_only_drfs_own_pages_may_use_style_attributes(client):
    assert directives(client.get("/api-auth/login/"))["style-src-attr"] == "'unsafe-inline'"
    assert "style-src-attr" not in directives(client.get("/accounts/login/"))
    assert "style-src-attr" not in directives(client.get("/admin/login/"))
