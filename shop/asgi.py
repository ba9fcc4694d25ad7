"""ASGI entry point: HTTP to Django; websockets through origin and auth checks to the apps'
routes, composed here as the Channels tutorial composes ``chat/routing.py``."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Django runs each ASGI request's sync code in a thread of its own (a ThreadSensitiveContext),
# so a persistent connection would stay open with every thread: none here, whatever the
# environment asks for the other process types (docs/operations.md).
os.environ["DATABASE_CONN_MAX_AGE"] = "0"

# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from notifications import routing as notifications_routing  # noqa: E402
from shop.api.consumers import UnknownPathConsumer  # noqa: E402
from shop.api.websocket_auth import WebsocketSecurityStack  # noqa: E402
from warehouse import routing as warehouse_routing  # noqa: E402

websocket_urlpatterns = [
    *notifications_routing.websocket_urlpatterns,
    *warehouse_routing.websocket_urlpatterns,
    re_path(r"", UnknownPathConsumer.as_asgi()),  # last: refuse cleanly instead of raising
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketSecurityStack(URLRouter(websocket_urlpatterns)),
    }
)

# What start-up built (Django, the apps, every module) lives as long as the process: out of
# every later full garbage collection. A websocket process that holds thousands of sockets
# runs such collections as it grows, each one stopping every socket; on the bench machine
# they took 0.3 s before a single socket was open (bench/README.md).
gc.freeze()
