"""Server-side request forgery: with ``WEBHOOKS_ALLOW_PRIVATE_URLS`` off, a URL that resolves
to a loopback, private, link-local, metadata or other non-public address is refused with a 400
at registration, and again at send time against what it resolves to then; the attempt
connects to the address that was checked."""

import socket

import pytest

from webhooks.checks import check_private_urls
from webhooks.models import Delivery, Endpoint

REFUSED = [
    ("http://127.0.0.1/hook", "127.0.0.1, a loopback address"),
    ("https://localhost/hook", "a loopback address"),  # a name that resolves to loopback
    ("https://[::1]/", "a loopback address"),
    ("https://[::ffff:127.0.0.1]/", "a loopback address"),
    ("https://10.1.2.3/", "a private address"),
    ("https://172.16.0.1/", "a private address"),
    ("https://192.168.1.1:8443/", "a private address"),
    ("https://[fc00::1]/", "a private address"),
    ("https://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("https://[fd00:ec2::254]/", "a cloud metadata address"),
    ("https://100.100.100.200/", "a cloud metadata address"),
    ("https://169.254.10.1/", "a link-local address"),
    ("https://[fe80::1]/", "a link-local address"),
    ("https://0.0.0.0/", "an unspecified address"),
    ("https://100.64.0.1/", "a reserved address"),
    ("https://224.0.0.1/", "a multicast address"),
    ("http://93.184.216.34/", "Use an https URL."),
    ("https://no-such-host.invalid/", "does not resolve"),
    ("https://user:pw@93.184.216.34/", "Credentials in the URL"),
]


@pytest.fixture
def private_urls_refused(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False


@pytest.mark.usefixtures("private_urls_refused")
@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_registration_refuses_each_forbidden_address_class(integrator_client, url, reason):
    response = integrator_client.post(
        "/api/webhooks/endpoints/", {"url": url, "events": []}, format="json"
    )
    assert response.status_code == 400, response.json()
    [message] = response.json()["errors"]["url"]
    assert reason in message
    assert not Endpoint.objects.exists()


@pytest.mark.usefixtures("private_urls_refused")
def test_a_public_https_url_is_accepted(integrator_client):
    response = integrator_client.post(
        "/api/webhooks/endpoints/",
        {"url": "https://93.184.216.34/hook", "events": []},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.usefixtures("private_urls_refused")
def test_changing_the_url_to_a_private_one_is_refused(integrator_client):
    endpoint = Endpoint.objects.create(url="https://93.184.216.34/", secret="whsec_AAAA")
    response = integrator_client.patch(
        f"/api/webhooks/endpoints/{endpoint.pk}/", {"url": "https://10.0.0.1/"}, format="json"
    )
    assert response.status_code == 400
    assert "a private address" in response.json()["errors"]["url"][0]


def test_the_send_time_check_refuses_what_became_forbidden(
    endpoint, webhook_receiver, order, ship, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    ship(order)

    assert webhook_receiver.received == []
    delivery = Delivery.objects.get()
    [attempt] = delivery.attempt_log.all()
    assert attempt.status_code is None
    assert attempt.error == "Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address."


@pytest.fixture
def fake_dns(monkeypatch):
    """``fake_dns(host, [address, ...])``: the answers the host's lookups get, in turn (the
    last one repeats); every other name resolves as usual. Returns the lookups made."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def install(host: str, answers: list[str]) -> list[str]:
        def getaddrinfo(name, port, *args, **kwargs):
            if name != host:
                return real(name, port, *args, **kwargs)
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            lookups.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return lookups

    return install


@pytest.mark.usefixtures("private_urls_refused")
def test_a_name_rebound_to_loopback_after_registration_is_refused_at_send_time(
    fake_dns, register, order, ship
):
    lookups = fake_dns("hooks.example", ["93.184.216.34", "127.0.0.1"])
    register("https://hooks.example/")
    ship(order)

    [attempt] = Delivery.objects.get().attempt_log.all()
    assert attempt.error == "Refused: hooks.example resolves to 127.0.0.1, a loopback address."
    assert lookups == ["93.184.216.34", "127.0.0.1"]


def test_the_attempt_connects_to_the_checked_address_without_resolving_again(
    fake_dns, webhook_receiver, register, order, ship
):
    port = webhook_receiver.server.server_address[1]
    lookups = fake_dns("pinned.example", ["127.0.0.1"])
    register(f"http://pinned.example:{port}/hooks/")
    webhook_receiver.secret = Endpoint.objects.get().secret

    ship(order)

    [received] = webhook_receiver.received
    assert received.verified
    assert received.headers["Host"] == f"pinned.example:{port}"
    assert lookups == ["127.0.0.1", "127.0.0.1"]  # registration, then the send-time check


@pytest.mark.parametrize(
    ("production", "allowed", "errors"), [(True, True, 1), (True, False, 0), (False, True, 0)]
)
def test_private_urls_are_a_system_check_error_in_production(settings, production, allowed, errors):
    settings.PRODUCTION = production
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = allowed
    found = check_private_urls()
    assert len(found) == errors
    assert all(error.id == "webhooks.E001" for error in found)
