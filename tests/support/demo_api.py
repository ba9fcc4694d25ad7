"""The demo shop's REST API as the ``make run`` and ``make stack`` journeys call it: with
``seed_demo``'s password and plain JSON over urllib."""

import json
import urllib.request

DEMO_PASSWORD = "demo-shop-2026"  # seed_demo's


def call(url: str, *, token: str | None = None, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Token {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def token_for(base: str, username: str) -> str:
    return call(f"{base}/api/auth/token/", body={"username": username, "password": DEMO_PASSWORD})[
        "token"
    ]
