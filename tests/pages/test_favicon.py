"""``/favicon.ico``, which every browser asks for on every page, is served, not a 404."""

import pytest
from django.http import FileResponse
from django.test import Client


@pytest.mark.django_db
def test_favicon_is_served_from_the_site_root():
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert isinstance(response, FileResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x00\x00\x01\x00"), "an ICO file"
