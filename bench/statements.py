"""Count what one ship costs, in-process, on the bench database: SQL statements, order reads,
connections, Redis round trips; and profile a few ships.

Run by the harness as ``python bench/statements.py SEED_JSON OUT_JSON [--profile N]`` with the
stack's environment, while the stack runs (tasks go to the real broker, pushes to the real
channel layer). Each ship is ``POST /api/orders/{id}/ship/`` through DRF's test client with the
staff token: the same middleware, view, service, on-commit dispatch and receivers as under
uvicorn, in one thread. What is counted:

- statements: every statement Django sends on the default connection during the request,
  as ``CaptureQueriesContext`` records them: BEGIN, COMMIT, ROLLBACK and SAVEPOINT included
  (Django logs those since 4.2). Statements of the Celery tasks (the worker sends the emails)
  are not in it; ``worker_statements`` counts those by running both tasks in-process too.
- order reads: SELECTs that read ``orders_order`` (in FROM or a JOIN).
- Redis round trips: writes of a command (or a pipeline) to Redis by redis-py, sync and async
  (cache, broker, channel layer), counted by wrapping ``send_packed_command``.
The first ship of the process is a warm-up and is not counted. Orders with 1, 10 and 30 items
show whether the count depends on the number of items.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROJECT_CODE = r"/(orders|notifications|warehouse|delivery|shop)/[a-z_/]+\.py"
ORDER_TABLE = re.compile(r'(FROM|JOIN) "ORDERS_ORDER"( |$)')
# Round trips: every write of a command or a pipeline; those made while a new connection is
# set up (HELLO, CLIENT SETINFO, SELECT, ...) are also counted apart, with the connections.
REDIS = {"calls": 0, "handshake_calls": 0, "connections": 0, "depth": 0}


def count_redis() -> None:
    import redis.asyncio.connection as async_connection
    import redis.connection as sync_connection

    sync_class = sync_connection.AbstractConnection
    async_class = async_connection.AbstractConnection
    sync_send, async_send = sync_class.send_packed_command, async_class.send_packed_command
    sync_setup = sync_class.on_connect_check_health
    async_setup = async_class.on_connect_check_health

    def count() -> None:
        REDIS["calls"] += 1
        REDIS["handshake_calls"] += REDIS["depth"] > 0

    def send(self, *args, **kwargs):
        count()
        return sync_send(self, *args, **kwargs)

    async def asend(self, *args, **kwargs):
        count()
        return await async_send(self, *args, **kwargs)

    def setup(self, *args, **kwargs):
        REDIS["connections"] += 1
        REDIS["depth"] += 1
        try:
            return sync_setup(self, *args, **kwargs)
        finally:
            REDIS["depth"] -= 1

    async def asetup(self, *args, **kwargs):
        REDIS["connections"] += 1
        REDIS["depth"] += 1
        try:
            return await async_setup(self, *args, **kwargs)
        finally:
            REDIS["depth"] -= 1

    # Patching the classes' methods is the point: every connection of the process is counted.
    sync_class.send_packed_command = send  # type: ignore[method-assign]
    async_class.send_packed_command = asend  # type: ignore[method-assign]
    sync_class.on_connect_check_health = setup  # type: ignore[method-assign]
    async_class.on_connect_check_health = asetup  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--profile", type=int, default=0, help="profile this many more ships")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    count_redis()
    seed = json.loads(args.seed.read_text())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {seed['staff_token']}")
    connections = []
    connection_created.connect(lambda **kw: connections.append(1), weak=False)

    def ship(order_id: int) -> dict:
        REDIS.update(calls=0, handshake_calls=0, connections=0)
        connections.clear()
        body = {"carrier": "dhl", "tracking_number": f"ST{order_id:010d}"}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/api/orders/{order_id}/ship/", body, format="json")
        sqls = [query["sql"] for query in queries.captured_queries]
        upper = [sql.lstrip().upper() for sql in sqls]
        return {
            "status": response.status_code,
            "statements": len(sqls),
            "transaction_control": sum(
                sql.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
                for sql in upper
            ),
            "order_reads": sum(
                sql.startswith("SELECT") and ORDER_TABLE.search(sql) is not None for sql in upper
            ),
            "redis_round_trips": REDIS["calls"],
            "redis_handshake_round_trips": REDIS["handshake_calls"],
            "redis_connections": REDIS["connections"],
            "connections_opened": len(connections),
            "_sql": sqls,
        }

    by_items = seed["orders_by_items"]
    warm = ship(by_items["1"][0])
    results = {count: ship(ids[1]) for count, ids in by_items.items()}
    out = {
        "warm_up_status": warm["status"],
        "by_items": {k: {n: v for n, v in r.items() if n != "_sql"} for k, r in results.items()},
        "sql": results[min(results, key=int)]["_sql"],
    }

    # The worker's side: both delivery tasks of the last ship, in-process (SMTP is the sink);
    # the row is made pending again first, so the task does a whole attempt.
    from notifications.models import EmailLog
    from notifications.tasks import deliver_email
    from warehouse.models import WarehouseNotice
    from warehouse.tasks import deliver_notice

    last = int(by_items[max(by_items, key=int)][1])
    email = EmailLog.objects.filter(event__order_id=last).first()
    notice = WarehouseNotice.objects.filter(order_id=last).first()
    worker = {}
    for name, task, row in (("email", deliver_email, email), ("notice", deliver_notice, notice)):
        if row is None:
            continue
        model = type(row)
        for _ in range(100):  # let the stack's worker send it first, then send it once more
            if model.objects.filter(pk=row.pk, status="pending").exists():
                time.sleep(0.1)
        model.objects.filter(pk=row.pk).update(
            status="pending", claimed_until=None, next_attempt_at=timezone.now(), sent_at=None
        )
        with CaptureQueriesContext(connection) as queries:
            task.apply(args=(row.pk,))
        worker[name] = len(queries.captured_queries)
    out["worker_statements"] = worker

    if args.profile:
        ids = seed["orders"][-args.profile :]
        profiler = cProfile.Profile()
        profiler.enable()
        statuses = [ship(order_id)["status"] for order_id in ids]
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        text.write("# The project's own functions, by cumulative (wall-clock) time\n")
        stats.sort_stats("cumulative").print_stats(PROJECT_CODE, 30)
        text.write("\n# Everything, by time spent in the function itself\n")
        stats.sort_stats("tottime").print_stats(25)
        text.write("\n# Everything, by cumulative time\n")
        stats.sort_stats("cumulative").print_stats(45)
        out["profile"] = {"ships": len(ids), "statuses": statuses, "top": text.getvalue()}
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
