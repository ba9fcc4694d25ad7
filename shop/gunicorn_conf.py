"""gunicorn settings for the HTTP side in production: ``gunicorn -c python:shop.gunicorn_conf``.

HTTP runs under WSGI with threads, websockets under uvicorn (docs/operations.md): Django
serves sync views on one thread per process under ASGI, so an ASGI server answers one HTTP
request at a time per process, while a ship spends most of its time waiting on PostgreSQL
and Redis. Every value can be set from the environment; the defaults are the ones
``bench/README.md`` measured.
"""

import os

from shop.gunicorn_worker import SheddingThreadWorker

# Persistent database connections: gunicorn's threads live as long as the worker, so each
# keeps one (shop/settings.py). Read when Django's settings load, after this file.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 1)
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "shop.gunicorn_worker.SheddingThreadWorker"
wsgi_app = "shop.wsgi:application"
keepalive = 75  # seconds; above a load balancer's idle timeout (60 s on AWS), as it expects
preload_app = True  # import Django once, before forking the workers
QUEUE_TIMEOUT = float(os.environ.get("WEB_QUEUE_TIMEOUT", "1.0"))
# gunicorn 25+ opens a control socket for gunicornc at one path per user
# (~/.gunicorn/gunicorn.ctl), so every gunicorn of a user on a host (the tests, the bench,
# make stack) would take it from the last; the project manages gunicorn by signals instead.
control_socket_disable = True


def post_worker_init(worker: SheddingThreadWorker) -> None:
    worker.queue_timeout = QUEUE_TIMEOUT
