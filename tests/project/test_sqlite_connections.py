"""SQLite, the embedded default: WAL on every file connection, and concurrent writers that
wait for the lock instead of failing with "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db.utils import ConnectionHandler

from shop.sqlite import CONFIGURE_SQLITE_UID
from tests.support.live_services import BASE_DIR
from tests.support.sqlite_writers import ORDERS_PER_THREAD, THREADS
from tests.support.wiring import builtin_receiver, disconnected


def pragmas(path: Path, *names: str) -> dict[str, object]:
    """Open a new Django connection to a SQLite file (sending connection_created) and read."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )
    connection = handler["default"]
    try:
        with connection.cursor() as cursor:
            values = {}
            for name in names:
                cursor.execute(f"PRAGMA {name}")
                values[name] = cursor.fetchone()[0]
            return values
    finally:
        connection.close()


def test_a_new_connection_puts_the_file_in_wal_mode(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        values = pragmas(tmp_path / "db.sqlite3", "journal_mode", "foreign_keys", "busy_timeout")
    # WAL from shop.sqlite.configure_sqlite; foreign keys from Django; busy timeout from
    # sqlite3.connect(timeout=5), Django's OPTIONS["timeout"].
    assert values == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


def test_without_the_receiver_the_file_keeps_the_rollback_journal(tmp_path, django_db_blocker):
    with django_db_blocker.unblock(), disconnected(builtin_receiver(CONFIGURE_SQLITE_UID)):
        values = pragmas(tmp_path / "db.sqlite3", "journal_mode")
    assert values == {"journal_mode": "delete"}


def test_concurrent_writers_never_see_database_is_locked(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.sqlite_writers"],
        cwd=BASE_DIR,
        env={
            **env,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])

    assert summary["errors"] == []
    assert summary["shipped"] == THREADS * ORDERS_PER_THREAD
    assert summary["journal_mode"] == "wal"
