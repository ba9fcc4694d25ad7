"""What a receiver answers: a 2xx within the timeout is success whatever its body; silence,
a trickle and redirects are failed attempts, and only the start of the body is read."""

import time

import pytest

from tests.support.webhook_receiver import Answer
from webhooks.models import Delivery

TIMEOUT = 1.0


@pytest.fixture(autouse=True)
def _short_timeout(settings) -> None:
    settings.WEBHOOKS_TIMEOUT = TIMEOUT


def only_attempt():
    return Delivery.objects.get().attempt_log.get()


@pytest.mark.parametrize(
    "answer",
    [Answer(delay=TIMEOUT + 1.5), Answer(trickle=TIMEOUT + 1.5)],
    ids=["silent", "trickle"],
)
def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    endpoint, webhook_receiver, order, ship, answer
):
    webhook_receiver.answers = [answer]
    started = time.monotonic()
    ship(order)

    assert time.monotonic() - started < TIMEOUT + 1
    attempt = only_attempt()
    assert attempt.status_code is None
    assert attempt.error == "Timed out after 1 s"
    assert TIMEOUT * 1000 <= attempt.duration_ms < (TIMEOUT + 1) * 1000
    assert Delivery.objects.get().status == "pending"


def test_a_huge_2xx_body_is_a_success_and_only_its_start_is_kept(
    endpoint, webhook_receiver, order, ship
):
    webhook_receiver.answers = [Answer(body_size=200 * 1024 * 1024)]
    started = time.monotonic()
    ship(order)

    assert time.monotonic() - started < TIMEOUT
    attempt = only_attempt()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.response_excerpt == "x" * 4096
    assert Delivery.objects.get().status == "succeeded"


def test_a_redirect_is_not_followed_and_fails_the_attempt(endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(status=302, location="http://127.0.0.1:9/elsewhere")]
    ship(order)

    attempt = only_attempt()
    assert (attempt.status_code, attempt.error) == (302, "HTTP 302")
    assert len(webhook_receiver.received) == 1
    assert Delivery.objects.get().status == "pending"


def test_a_refused_connection_is_a_failed_attempt(register, order, ship):
    from tests.support.live_services import free_port

    register(f"http://127.0.0.1:{free_port()}/")
    ship(order)

    attempt = only_attempt()
    assert attempt.status_code is None
    assert attempt.error.startswith("ConnectionRefusedError")


def test_a_binary_answer_is_kept_as_text(endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(body=b"\x00\xffok")]
    ship(order)

    assert only_attempt().response_excerpt == "\ufffd\ufffdok"
