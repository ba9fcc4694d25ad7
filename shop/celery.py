"""The Celery application, configured from Django settings (``CELERY_*``).

A worker keeps its database connection between tasks as a web thread does between requests:
``DATABASE_CONN_MAX_AGE`` decides (docs/operations.md runs the worker with 60 s). Celery's
Django fixup would close it after every task, so ``CELERY_DB_REUSE_MAX`` (shop/settings.py)
lets it keep the connection, and each task begins and ends the way Django begins and ends a
request: ``close_old_connections`` drops a connection that is past its age or broken (the
database restarted) and has the next query health-check it.
"""

import os
from typing import Any

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

RELEASE_CONNECTIONS_UID = "shop.celery.release_old_connections"


def release_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Django's request_started/request_finished handling, around a task.

    Not for eager tasks: they run inside the caller's request, maybe in its transaction.
    """
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


signals.task_prerun.connect(release_old_connections, dispatch_uid=RELEASE_CONNECTIONS_UID)
signals.task_postrun.connect(release_old_connections, dispatch_uid=RELEASE_CONNECTIONS_UID)
