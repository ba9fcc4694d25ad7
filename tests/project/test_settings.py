"""Settings come from the environment.

Production needs a secret key, its hosts and an email backend that delivers, turns on the HTTPS
settings and passes ``manage.py check --deploy``.
"""

import os
import subprocess
import sys

import pytest

from tests.support.live_services import BASE_DIR

PRODUCTION = {
    "DJANGO_PRODUCTION": "1",
    # 50 characters, not starting with "django-insecure": what check --deploy asks for.
    "DJANGO_SECRET_KEY": "test-only-" + "k3y" * 14,
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def run(*command: str, **env: str) -> subprocess.CompletedProcess:
    """Run a command in a fresh process whose environment holds only ``env`` of ours."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "API_THROTTLE_"))
    }
    return subprocess.run(
        command,
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "shop.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_django(expression: str = "settings.DEBUG", **env: str) -> subprocess.CompletedProcess:
    """Print ``expression`` as the settings evaluate under ``env``."""
    code = f"import django; django.setup(); from django.conf import settings; print(({expression}))"
    return run(sys.executable, "-c", code, **env)


def test_production_without_secret_key_refuses_to_start():
    result = run_django(DJANGO_PRODUCTION="1", DJANGO_ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = run_django(DJANGO_PRODUCTION="1", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_with_secret_key_hosts_and_smtp_starts_without_debug():
    result = run_django(
        DJANGO_PRODUCTION="1",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="shop.example",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("backend", [None, "filebased", "console", "locmem"])
def test_production_refuses_email_backends_that_deliver_nothing(backend):
    """The default (filebased) and console keep customers' emails on disk or in the logs;
    locmem keeps them in memory."""
    env = {**PRODUCTION}
    if backend is None:
        del env["DJANGO_EMAIL_BACKEND"]
    else:
        env["DJANGO_EMAIL_BACKEND"] = f"django.core.mail.backends.{backend}.EmailBackend"
    result = run_django(**env)
    assert result.returncode != 0
    assert "DJANGO_EMAIL_BACKEND must be a delivering backend" in result.stderr


def test_production_trusts_x_forwarded_proto_only_when_told():
    expression = "getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)"
    assert run_django(expression, **PRODUCTION).stdout.strip() == "None"
    trusted = run_django(expression, DJANGO_TRUST_X_FORWARDED_PROTO="1", **PRODUCTION)
    assert trusted.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_development_defaults_to_debug():
    assert run_django().stdout.strip() == "True"


def test_a_malformed_boolean_is_a_clear_error():
    result = run_django(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_production_turns_on_the_https_settings():
    expression = (
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS"
    )
    result = run_django(expression, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "(True, 31536000, True, True, ['shop.example.com'], ['https://shop.example.com'])"
    )


def test_production_redirects_to_https_except_the_health_check():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "client = Client(HTTP_HOST='shop.example.com'); "
        "api = client.get('/api/'); health = client.get('/health/'); "
        "print(api.status_code, api['Location'], health.status_code)"
    )
    result = run(sys.executable, "-c", code, DATABASE_URL="sqlite://:memory:", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "301 https://shop.example.com/api/ 200"


def test_production_passes_the_deploy_check():
    result = run(
        sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_is_not_clean_in_development():
    """The check above can fail: the development defaults trip it."""
    result = run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stderr, "DEBUG is on"


def test_redis_url_selects_a_cache_every_process_shares():
    expression = "settings.CACHES['default']"
    shared = run_django(expression, REDIS_URL="redis://cache.example:6379/3").stdout
    assert "django.core.cache.backends.redis.RedisCache" in shared
    assert "redis://cache.example:6379/3" in shared
    assert "LocMemCache" in run_django(expression).stdout


def test_throttle_rates_come_from_the_environment():
    expression = "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']"
    result = run_django(expression, API_THROTTLE_LOGIN="3/min", API_THROTTLE_WRITES="600/hour")
    assert result.stdout.strip() == "{'login': '3/min', 'writes': '600/hour'}"


def test_a_malformed_throttle_rate_is_a_clear_error():
    result = run_django(API_THROTTLE_WRITES="lots")
    assert result.returncode != 0
    assert "API_THROTTLE_WRITES must look like 10/min" in result.stderr


def test_delivery_timings_come_from_the_environment_and_must_fit_the_visibility_timeout():
    expression = "settings.DELIVERY_RETRY_MAX, settings.CELERY_BROKER_TRANSPORT_OPTIONS"
    result = run_django(expression, DELIVERY_RETRY_MAX="2", CELERY_VISIBILITY_TIMEOUT="30")
    assert result.stdout.strip() == "(2.0, {'visibility_timeout': 30.0})"

    too_long = run_django(DELIVERY_RETRY_MAX="3600", CELERY_VISIBILITY_TIMEOUT="3600")
    assert too_long.returncode != 0
    assert "DELIVERY_RETRY_MAX must be shorter than CELERY_VISIBILITY_TIMEOUT" in too_long.stderr
    assert "positive number of seconds" in run_django(OUTBOX_STALE_AFTER="soon").stderr


def test_a_worker_keeps_reconnecting_to_the_broker_however_long_it_is_down():
    from shop.celery import app

    assert app.conf.broker_connection_max_retries is None
