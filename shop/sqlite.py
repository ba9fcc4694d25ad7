"""SQLite, the embedded default, tuned as each connection opens (``connection_created``)."""

import logging
from typing import TYPE_CHECKING, Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

logger = logging.getLogger(__name__)

CONFIGURE_SQLITE_UID = "shop.configure_sqlite"


def configure_sqlite(sender: type, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: put a SQLite database file in WAL mode.

    In WAL mode readers never wait for a writer, so the admin and the API keep answering while
    an order ships. The mode is stored in the file; SQLite keeps the old one where WAL cannot
    work (some network file systems), so the result is checked, not assumed. Django turns
    foreign keys on itself, and the busy timeout is ``OPTIONS["timeout"]`` (5 s by default).
    """
    if connection.vendor != "sqlite" or cast("SQLiteDatabaseWrapper", connection).is_in_memory_db():
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode = WAL")
        (mode,) = cursor.fetchone()
    if mode != "wal":
        logger.warning("SQLite kept journal_mode=%s for %s", mode, connection.settings_dict["NAME"])
