"""An https endpoint: the attempt connects to the checked address yet verifies the
certificate for the URL's host name, so pinning the address weakens no TLS check."""

import subprocess
from pathlib import Path

import pytest

from tests.support.webhook_receiver import running_receiver
from webhooks.models import Delivery, Endpoint


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for ``localhost``, with its key, in one PEM file."""
    root = tmp_path_factory.mktemp("tls")
    key, cert = root / "key.pem", root / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    bundle = root / "bundle.pem"
    bundle.write_text(key.read_text() + cert.read_text())
    return bundle


@pytest.fixture
def tls_receiver(certificate):
    with running_receiver(certificate=certificate) as receiver:
        yield receiver


def test_a_trusted_certificate_for_the_host_name_is_a_success(
    tls_receiver, certificate, register, order, ship, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trust it, as if a CA had signed it
    register(f"https://localhost:{tls_receiver.port}/hooks/")
    tls_receiver.secret = Endpoint.objects.get().secret

    ship(order)

    [received] = tls_receiver.received
    assert received.verified
    assert Delivery.objects.get().status == "succeeded"


def test_an_untrusted_certificate_fails_the_attempt(tls_receiver, register, order, ship):
    register(f"https://localhost:{tls_receiver.port}/hooks/")
    ship(order)

    assert tls_receiver.received == []
    [attempt] = Delivery.objects.get().attempt_log.all()
    assert attempt.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error


def test_a_certificate_for_another_name_fails_the_attempt(
    tls_receiver, certificate, register, order, ship, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    register(tls_receiver.url)  # https://127.0.0.1:...: the certificate names localhost only
    ship(order)

    [attempt] = Delivery.objects.get().attempt_log.all()
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert "127.0.0.1" in attempt.error
