"""``make stack`` from nothing: it creates its database, migrates, seeds, starts the
Procfile's processes behind one port, a customer's tracking page in Chromium shows a
shipment live, ``/metrics`` shows its email sent, and Ctrl-C stops every process cleanly."""

import json
import os
import signal
import socket
import subprocess
import urllib.request
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.support.live_services import BASE_DIR, SHIP, free_port, maintenance_connection, wait_for

pytestmark = pytest.mark.services

DEMO_PASSWORD = "demo-shop-2026"  # seed_demo's
START_TIMEOUT = 180  # migrations, collectstatic and five processes on a busy 2-core machine


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


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def emails_sent(base: str, token: str) -> float | None:
    """``shop_email_logs{status="sent"}`` as the stack's ``/metrics`` shows it."""
    bearer = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{base}/metrics", headers=bearer)
    with urllib.request.urlopen(request, timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith('shop_email_logs{status="sent"}'):
                return float(line.split()[-1])
    return None


def test_make_stack_serves_the_live_shop_and_stops_on_ctrl_c(page, tmp_path):
    server = settings.DATABASES["default"]
    database = f"shop_stack_test_{uuid.uuid4().hex[:10]}"
    port, metrics_token = free_port(), "stack-test-token"
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_"))},
        "DATABASE_URL": (
            f"postgres://{server['USER']}:{server['PASSWORD']}"
            f"@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{database}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "emails"),
        "METRICS_TOKEN": metrics_token,
        "STACK_BIND": f"127.0.0.1:{port}",
        "STACK_HTTP_PORT": str(free_port()),
        "STACK_WS_PORT": str(free_port()),
        "WEB_WORKERS": "2",
    }
    output = (tmp_path / "stack.log").open("w")
    # ENV_FILE: a developer's .env must not redirect the test; -o: the venv running the test.
    command = ["make", "-o", ".venv/bin/.installed", "stack", "ENV_FILE=/dev/null"]
    stack = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: stack.poll() is not None or answers(f"{base}/health/"),
            timeout=START_TIMEOUT,
            what="make stack",
        )
        assert stack.poll() is None, (tmp_path / "stack.log").read_text()[-3000:]
        placed = call(f"{base}/api/orders/?status=placed", token=token_for(base, "alice"))
        order_id = placed["results"][0]["id"]

        page.goto(f"{base}/accounts/login/?next=/orders/{order_id}/track/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#order-status")).to_have_text("Placed")
        expect(page.locator("#live-status")).to_have_text("Live updates: on.")  # via the router

        sent_before = emails_sent(base, metrics_token)  # seed_demo's shipments'
        assert sent_before is not None, "the stack's /metrics counts sent email"
        call(f"{base}/api/orders/{order_id}/ship/", token=token_for(base, "warehouse"), body=SHIP)

        expect(page.locator("#order-status")).to_have_text("Shipped", timeout=15_000)
        expect(page.locator("#shipment-tracking-number")).to_have_text(SHIP["tracking_number"])

        # The worker may still be sending seed_demo's parcel emails, so the count rises by at
        # least this one; the file the worker wrote for this parcel shows it was among them.
        emails = tmp_path / "emails"
        wait_for(
            lambda: (
                (emails_sent(base, metrics_token) or 0) >= sent_before + 1
                and any(SHIP["tracking_number"] in path.read_text() for path in emails.iterdir())
            ),
            timeout=60,
            what="the worker sending the email",
        )
    finally:
        os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole group
        returncode = stack.wait(timeout=60)
        output.close()
        with maintenance_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    # make reports the Ctrl-C ("Interrupt") as it does for any command stopped so.
    assert returncode in {0, -signal.SIGINT}, (tmp_path / "stack.log").read_text()[-3000:]
    log = (tmp_path / "stack.log").read_text()
    for process in ("router", "web", "ws", "worker", "beat"):
        assert f"{process}.1 stopped" in log
    for listening in (port, int(env["STACK_HTTP_PORT"]), int(env["STACK_WS_PORT"])):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", listening), timeout=2).close()
