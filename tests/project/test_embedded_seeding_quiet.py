"""``make run``'s seeding on the embedded defaults prints neither emails nor a broker warning.

The demo's shipments send real emails through eager Celery: they go to files under
``DJANGO_EMAIL_FILE_PATH`` (``var/emails/`` by default), not into ``seed_demo``'s output.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.live_services import BASE_DIR


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SENT_PER_RECIPIENT = """
from django.db.models import Count
from notifications.models import EmailLog
for row in EmailLog.objects.filter(status="sent").values("recipient").annotate(n=Count("id")):
    print("sent", row["recipient"], row["n"])
"""


def test_seed_demo_writes_emails_to_files_and_warns_of_no_broker(tmp_path: Path):
    outbox = tmp_path / "emails"
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "EMAIL_"))
        },
        # The embedded defaults, on a database of the test's own.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_EMAIL_FILE_PATH": str(outbox),
    }
    assert manage("migrate", "--noinput", env=env).returncode == 0

    seeded = manage("seed_demo", env=env)

    assert seeded.returncode == 0, seeded.stderr
    output = seeded.stdout + seeded.stderr
    assert "Demo data ready" in output
    assert "No hostname was supplied" not in output
    assert "Subject:" not in output
    assert "Content-Type:" not in output
    emails = "".join(path.read_text() for path in outbox.iterdir())
    # Each demo customer's parcels: shipped, out for delivery and delivered emails, and the
    # warehouse's pick lists; all of them in the files.
    logged = manage("shell", "-c", SENT_PER_RECIPIENT, env=env)
    assert logged.returncode == 0, logged.stderr
    sent = {
        recipient: count
        for _, recipient, count in (
            line.split() for line in logged.stdout.splitlines() if line.startswith("sent ")
        )
    }
    assert {"alice@example.com", "bob@example.com"} <= sent.keys()
    for recipient, count in sent.items():
        assert emails.count(f"To: {recipient}") == int(count), recipient
