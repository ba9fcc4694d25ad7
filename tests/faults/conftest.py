"""Fixtures of the fault-injection suite: private services for the session, processes per test.

The PostgreSQL cluster (migrated once), Redis and the SMTP sink live for the whole session;
each test starts from empty tables, an empty Redis and a sink in normal mode, and its web
servers and worker are stopped when it ends. A failing test's report carries the tail of
every process's output.
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from pluggy import Result

from tests.support.fault_services import (
    BASE_DIR,
    Delivery,
    FaultHarness,
    PrivatePostgres,
    PrivateRedis,
    SMTPSink,
)
from tests.support.live_services import free_port

HARNESS = pytest.StashKey[FaultHarness]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    harness = item.stash.get(HARNESS, None)
    if report.failed and harness is not None:
        for name, tail in harness.log_tails():
            report.sections.append((f"{name} output (tail)", tail))


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres.in_new_directory()
    try:
        postgres.init()
        postgres.start()
        postgres.create_database()
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": postgres.url, "REDIS_URL": ""},
            capture_output=True,
            text=True,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        yield postgres
    finally:
        postgres.remove()


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    server = PrivateRedis(port=free_port(), log_path=tmp_path_factory.mktemp("redis") / "log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SMTPSink]:
    sink = SMTPSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def faults(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    private_postgres: PrivatePostgres,
    private_redis: PrivateRedis,
    smtp_sink: SMTPSink,
) -> Iterator[FaultHarness]:
    """A clean slate (a test before may have left a service down), then this test's processes."""
    if not private_redis.ping():
        private_redis.start()
    private_redis.flush()
    if not private_postgres.running():
        private_postgres.start()
    private_postgres.reset()
    smtp_sink.reset()
    harness = FaultHarness(tmp_path, private_postgres, private_redis, smtp_sink)
    request.node.stash[HARNESS] = harness
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def fault_report(capsys: pytest.CaptureFixture) -> Callable[..., dict]:
    """Print a fault's figures on one line and append them to ``$FAULT_REPORT`` (JSON Lines).

    docs/faults.md and docs/operations.md quote these figures.
    """

    def report(fault: str, *, shipped: int, delivery: Delivery, recovery_seconds: float, **extra):
        figures = {
            "fault": fault,
            "shipped": shipped,
            "emails": delivery.expected,
            "delivered": delivery.delivered,
            "duplicated": delivery.duplicated,
            "lost": delivery.lost,
            "recovery_seconds": round(recovery_seconds, 2),
            **extra,
        }
        with capsys.disabled():
            print("\nFAULT " + " ".join(f"{key}={value}" for key, value in figures.items()))
        if path := os.environ.get("FAULT_REPORT"):
            target = Path(path)
            if target.is_dir():
                target = target / "faults.jsonl"
            with target.open("a") as out:
                out.write(json.dumps(figures) + "\n")
        return figures

    return report
