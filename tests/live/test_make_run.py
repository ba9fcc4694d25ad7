"""``make run`` on the embedded defaults (issue 13's "done when"): the demo's partially shipped
order is on alice's tracking page, and with the page open its parcel moves to delivered live,
played by the carrier ``make run`` starts beside the server; Ctrl-C stops both. Its own SQLite
file, email folder and port, so a developer's ``db.sqlite3`` is left alone."""

import os
import signal
import socket
import subprocess

import pytest
from playwright.sync_api import expect

from tests.support.demo_api import DEMO_PASSWORD, call, token_for
from tests.support.live_services import BASE_DIR, free_port, healthy, wait_for

START_TIMEOUT = 120  # a fresh SQLite database migrated and seeded on a busy 2-core machine
DELIVERED_TIMEOUT_MS = 30_000  # three steps, 3 s apart, and the page's pushes


def test_make_run_delivers_a_watched_demo_parcel_and_stops_on_ctrl_c(page, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "LOG_", "DATABASE_", "REDIS_", "CELERY_"))
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "emails"),
    }
    output = (tmp_path / "run.log").open("w")
    # -o: the venv running the test is the one make run uses.
    command = ["make", "-o", ".venv/bin/.installed", "run", f"PORT={port}"]
    run = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: run.poll() is not None or healthy(f"{base}/health/"),
            timeout=START_TIMEOUT,
            what="make run",
        )
        assert run.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        alice = token_for(base, "alice")
        order_id = call(f"{base}/api/orders/?status=partially_shipped", token=alice)["results"][0][
            "id"
        ]

        page.goto(f"{base}/accounts/login/?next=/orders/{order_id}/track/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#order-status")).to_have_text("Partially shipped")
        parcel = page.locator("#parcels .parcel")
        expect(parcel).to_have_count(1)
        expect(parcel.locator(".parcel-status")).to_have_text("Shipped")
        page.evaluate("window.notReloaded = true")

        for status in ("In transit", "Out for delivery", "Delivered"):
            expect(parcel.locator(".parcel-status")).to_have_text(
                status, timeout=DELIVERED_TIMEOUT_MS
            )
        assert page.evaluate("window.notReloaded") is True
        expect(page.locator("#order-status")).to_have_text("Partially shipped")
    finally:
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole group
        returncode = run.wait(timeout=60)
        output.close()

    log = (tmp_path / "run.log").read_text()
    assert returncode in {0, -signal.SIGINT}, log[-3000:]
    assert "Parcels move to delivered while their tracking page is open." in log
    for process in ("web", "carrier"):
        assert f"{process}.1 stopped" in log
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
