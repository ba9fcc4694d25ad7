"""``manage.py check_services``: can the stack reach PostgreSQL and Redis? (``make stack``)

Run before anything else starts, so that a service that is down or misnamed stops the stack
with one line naming it, instead of five processes failing with five tracebacks. With
``--create-database`` it also creates the database ``DATABASE_URL`` names when the server has
none by that name, as ``createdb`` would.
"""

import psycopg
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

CONNECT_TIMEOUT_SECONDS = 3
# Where a PostgreSQL server always has a database to connect to, to create the one we need.
MAINTENANCE_DATABASE = "postgres"


class Command(BaseCommand):
    help = "Check that PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) can be reached."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="Create the database DATABASE_URL names if the server does not have it.",
        )

    def handle(self, *args, create_database: bool, **options) -> None:
        failures = []
        checks = (lambda: check_postgres(create_database=create_database), check_redis)
        for check in checks:
            try:
                self.stdout.write(check())
            except ServiceUnreachable as error:
                failures.append(str(error))
        if failures:
            raise CommandError("\n".join(failures))


class ServiceUnreachable(Exception):
    """A service the stack needs is not configured or does not answer."""


def check_postgres(*, create_database: bool) -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ServiceUnreachable(
            "PostgreSQL: DATABASE_URL is not set to a postgres:// URL (see .env.example)."
        )
    where = f"{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}"
    try:
        with psycopg.connect(
            dbname=MAINTENANCE_DATABASE,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            autocommit=True,
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
            ).fetchone()
            if exists:
                return f"PostgreSQL at {where}: ok, database {database['NAME']!r}"
            if not create_database:
                raise ServiceUnreachable(
                    f"PostgreSQL at {where}: no database {database['NAME']!r} "
                    "(run with --create-database, or createdb it)."
                )
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"]))
            )
            return f"PostgreSQL at {where}: ok, created database {database['NAME']!r}"
    except psycopg.Error as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ServiceUnreachable(
            f"PostgreSQL at {where} cannot be reached (DATABASE_URL): {reason}"
        ) from error


def check_redis() -> str:
    url = settings.REDIS_URL
    if not url:
        raise ServiceUnreachable("Redis: REDIS_URL is not set (see .env.example).")
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    where = redis_address(client)
    try:
        client.ping()
    except redis.RedisError as error:
        raise ServiceUnreachable(
            f"Redis at {where} cannot be reached (REDIS_URL): {error}"
        ) from error
    finally:
        client.close()
    return f"Redis at {where}: ok"


def redis_address(client: redis.Redis) -> str:
    """``host:port/db`` of a client, without the password its URL may carry."""
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
