"""WSGI entry point: gunicorn serves HTTP with it in production (shop/gunicorn_conf.py).

Each request runs in a context of its own, so the request id that the middleware puts on its
log lines (shop/log_context.py) ends with it: the next line logged on the same server thread
outside a request has none. Under ASGI every request is a task with its own context already.
"""

import contextvars
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

django_application = get_wsgi_application()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    return contextvars.copy_context().run(django_application, environ, start_response)
