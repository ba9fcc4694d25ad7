"""``manage.py check_services`` (the first step of ``make stack``) names each service it
cannot reach, and fails, before any process of the stack starts."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.support.live_services import BASE_DIR, free_port, maintenance_connection


def check_services(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check_services", "--create-database"],
        cwd=BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_postgres_and_redis_are_each_named():
    pg_port, redis_port = free_port(), free_port()  # nothing listens on either

    result = check_services(
        DATABASE_URL=f"postgres://shop:secret@127.0.0.1:{pg_port}/shop",
        REDIS_URL=f"redis://:secret@127.0.0.1:{redis_port}/3",
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"CommandError: PostgreSQL at 127.0.0.1:{pg_port} cannot be reached")
    assert "Connection refused" in lines[0]
    assert lines[1].startswith(f"Redis at 127.0.0.1:{redis_port}/3 cannot be reached (REDIS_URL)")
    assert "secret" not in result.stderr, "no password in the message"


def test_the_embedded_defaults_are_not_a_stack():
    result = check_services()

    assert result.returncode == 1
    assert "PostgreSQL: DATABASE_URL is not set to a postgres:// URL" in result.stderr
    assert "Redis: REDIS_URL is not set" in result.stderr


@pytest.mark.services
def test_a_missing_database_is_created_as_createdb_would():
    server = settings.DATABASES["default"]
    name = f"shop_check_{uuid.uuid4().hex[:12]}"
    url = (
        f"postgres://{server['USER']}:{server['PASSWORD']}"
        f"@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{name}"
    )
    try:
        result = check_services(DATABASE_URL=url, REDIS_URL=settings.REDIS_URL)

        assert result.returncode == 0, result.stderr
        assert f"ok, created database '{name}'" in result.stdout
        assert "Redis at" in result.stdout
        assert check_services(DATABASE_URL=url, REDIS_URL=settings.REDIS_URL).returncode == 0
    finally:
        with maintenance_connection() as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')
