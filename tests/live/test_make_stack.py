"""``make stack`` from nothing, started once for the module: it creates its database, migrates,
seeds, starts the Procfile's processes behind one port, and Ctrl-C stops every process cleanly.
Between start and stop, issue 15's "Done when" journey in Chromium: a demo customer orders
from the catalogue, warehouse staff ship it from the admin in a second browser context, the
customer's open tracking page shows the parcel without a reload, and ``/metrics`` shows the
parcel's email and warehouse notice go from pending to sent.

The tests share the one stack in file order; the last stops it. The stack has a Redis server
of its own: on the suite's Redis the suite's Celery worker (``celery_worker_process``, started
by earlier modules) would take the stack's tasks from the same queue and run them against the
test database.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from playwright.sync_api import Page, expect
from prometheus_client.parser import text_string_to_metric_families

from tests.support.demo_api import DEMO_PASSWORD, call, token_for
from tests.support.fault_services import PrivateRedis
from tests.support.live_services import (
    BASE_DIR,
    SHIP,
    free_port,
    healthy,
    maintenance_connection,
    wait_for,
)

pytestmark = pytest.mark.services

START_TIMEOUT = 180  # migrations, collectstatic and five processes on a busy 2-core machine
LIVE_TIMEOUT_MS = 15_000
WORKER_TIMEOUT = 60  # the worker may still be sending seed_demo's parcel emails
PROCESSES = ("router", "web", "ws", "worker", "beat")
# What the Procfile's worker consumes (Celery's default queue) and its node name (celery@%h).
QUEUE = "celery"
WORKER_NODE = f"celery@{socket.gethostname()}"
BOB = "bob@example.com"  # seed_demo's customer who orders in the journey
ADMIN_SHIP = {"carrier": "dhl", "tracking_number": "JD0147250002"}


@dataclass
class Stack:
    base: str
    redis_url: str
    process: subprocess.Popen
    log: Path
    emails: Path
    metrics_token: str
    ports: tuple[int, ...]

    def tail(self) -> str:
        return self.log.read_text()[-3000:]

    def stop(self) -> int:
        """Ctrl-C, which reaches the terminal's whole process group; make's return code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    server = settings.DATABASES["default"]
    database = f"shop_stack_test_{uuid.uuid4().hex[:10]}"
    tmp_path = tmp_path_factory.mktemp("stack")
    redis = PrivateRedis(port=free_port(), log_path=tmp_path / "redis.log")
    port, http_port, ws_port = free_port(), free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_"))},
        "DATABASE_URL": (
            f"postgres://{server['USER']}:{server['PASSWORD']}"
            f"@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{database}"
        ),
        "REDIS_URL": redis.url,
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "emails"),
        "METRICS_TOKEN": "stack-test-token",
        "STACK_BIND": f"127.0.0.1:{port}",
        "STACK_HTTP_PORT": str(http_port),
        "STACK_WS_PORT": str(ws_port),
        "WEB_WORKERS": "2",
    }
    log = tmp_path / "stack.log"
    # ENV_FILE: a developer's .env must not redirect the test; -o: the venv running the test.
    command = ["make", "-o", ".venv/bin/.installed", "stack", "ENV_FILE=/dev/null"]
    redis.start()
    try:
        with log.open("w") as output:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        running = Stack(
            base=f"http://127.0.0.1:{port}",
            redis_url=redis.url,
            process=process,
            log=log,
            emails=tmp_path / "emails",
            metrics_token=env["METRICS_TOKEN"],
            ports=(port, http_port, ws_port),
        )
        try:
            wait_for(
                lambda: process.poll() is not None or healthy(f"{running.base}/health/"),
                timeout=START_TIMEOUT,
                what="make stack",
            )
            assert process.poll() is None, running.tail()
            yield running
        finally:
            running.stop()
    finally:
        redis.stop()
        with maintenance_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def outbox(stack: Stack) -> dict[str, dict[str, float]]:
    """The stack's ``/metrics``, parsed by prometheus-client: emails and warehouse notices by
    status, e.g. ``{"shop_email_logs": {"pending": 0.0, "sent": 6.0, ...}, ...}``."""
    request = urllib.request.Request(
        f"{stack.base}/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    wanted = {"shop_email_logs", "shop_warehouse_notices"}
    return {
        family.name: {sample.labels["status"]: sample.value for sample in family.samples}
        for family in text_string_to_metric_families(text)
        if family.name in wanted
    }


def settled(stack: Stack) -> dict[str, dict[str, float]] | None:
    """``outbox`` once nothing is pending (the worker has caught up), else None."""
    counts = outbox(stack)
    return counts if all(by_status["pending"] == 0 for by_status in counts.values()) else None


@contextlib.contextmanager
def worker_paused(stack: Stack) -> Iterator[None]:
    """The stack's worker stops taking tasks from its queue (Celery's remote control, as an
    operator would run ``celery control cancel_consumer``) and takes them again on exit.

    The worker sends an email within milliseconds: without the pause ``/metrics`` would show
    the pending state only by luck of timing.
    """
    control = Celery("stack-control", broker=stack.redis_url, set_as_current=False).control
    options = {"destination": [WORKER_NODE], "reply": True, "timeout": 5}
    assert control.cancel_consumer(QUEUE, **options), f"{WORKER_NODE} did not answer"
    try:
        yield
    finally:
        assert control.add_consumer(QUEUE, **options), f"{WORKER_NODE} did not answer"
        control.app.close()


def log_in(page: Page, url: str, username: str) -> None:
    """Through the login form ``url`` shows (the site's or the admin's)."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_make_stack_serves_the_live_shop(stack, page):
    """A shipment through the REST API reaches a tracking page over the router's websocket,
    and the worker writes its email."""
    placed = call(f"{stack.base}/api/orders/?status=placed", token=token_for(stack.base, "alice"))
    order_id = placed["results"][0]["id"]

    log_in(page, f"{stack.base}/accounts/login/?next=/orders/{order_id}/track/", "alice")
    expect(page.locator("#order-status")).to_have_text("Placed")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")  # via the router

    token = token_for(stack.base, "warehouse")
    call(f"{stack.base}/api/orders/{order_id}/ship/", token=token, body=SHIP)

    expect(page.locator("#order-status")).to_have_text("Shipped", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#shipment-tracking-number")).to_have_text(SHIP["tracking_number"])
    wait_for(
        lambda: (
            stack.emails.is_dir()
            and any(SHIP["tracking_number"] in path.read_text() for path in stack.emails.iterdir())
        ),
        timeout=WORKER_TIMEOUT,
        what="the worker writing the parcel's email",
    )


def test_customer_orders_warehouse_ships_and_both_are_seen_live(stack, browser, page):
    """Issue 15's journey, each step as a person does it in the browser."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))

    log_in(page, f"{stack.base}/accounts/login/?next=/catalogue/", "bob")
    page.get_by_label("Enamel camping mug").fill("2")
    page.get_by_label("Brass fountain pen").fill("1")
    page.get_by_label("Shipping address").fill("Bob Example\n2 Demo Street\nSpringfield")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(rf"^{re.escape(stack.base)}/orders/\d+/track/$"))
    order_id = int(page.url.rstrip("/").split("/")[-2])
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Order ")
    expect(page.locator("#order-status")).to_have_text("Placed")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads

    before = wait_for(lambda: settled(stack), timeout=WORKER_TIMEOUT, what="the worker to catch up")
    staff = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        admin = staff.new_page()
        admin.on("console", lambda message: violations.append(message.text))
        with worker_paused(stack):
            ship_page = f"/admin/orders/order/{order_id}/ship/"
            log_in(admin, f"{stack.base}/admin/login/?next={ship_page}", "warehouse")
            admin.wait_for_url(f"{stack.base}{ship_page}")
            admin.get_by_label("Carrier").select_option(ADMIN_SHIP["carrier"])
            admin.get_by_label("Tracking number").fill(ADMIN_SHIP["tracking_number"])
            admin.get_by_role("button", name="Ship order").click()
            expect(admin.locator(".messagelist")).to_contain_text(f"Order {number} was shipped.")

            # The customer's page, untouched since it loaded, shows the parcel.
            expect(page.locator("#order-status")).to_have_text("Shipped", timeout=LIVE_TIMEOUT_MS)
            expect(page.locator("#shipment-tracking-number")).to_have_text(
                ADMIN_SHIP["tracking_number"]
            )
            parcel = page.locator("#parcels .parcel")
            expect(parcel).to_have_count(1)
            expect(parcel.locator(".parcel-status")).to_have_text("Shipped")
            assert page.evaluate("window.notReloaded") is True

            held = outbox(stack)  # committed, queued, not yet sent
    finally:
        staff.close()
    after = wait_for(lambda: settled(stack), timeout=WORKER_TIMEOUT, what="the worker sending")

    for family in ("shop_email_logs", "shop_warehouse_notices"):
        assert held[family]["pending"] == before[family]["pending"] + 1, (family, before, held)
        assert held[family]["sent"] == before[family]["sent"], (family, before, held)
        assert after[family]["sent"] == before[family]["sent"] + 1, (family, before, after)
    emails = [path.read_text() for path in stack.emails.iterdir()]
    to_bob = [text for text in emails if ADMIN_SHIP["tracking_number"] in text and BOB in text]
    assert len(to_bob) == 1, "one parcel email to the customer"
    assert [text for text in violations if "Content Security Policy" in text] == []


def test_ctrl_c_stops_every_process(stack):
    returncode = stack.stop()

    # make reports the Ctrl-C ("Interrupt") as it does for any command stopped so.
    assert returncode in {0, -signal.SIGINT}, stack.tail()
    log = stack.log.read_text()
    for process in PROCESSES:
        assert f"{process}.1 stopped" in log, stack.tail()
    for listening in stack.ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", listening), timeout=2).close()
