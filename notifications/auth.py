"""Websocket handshake security: origin check, then session or token authentication.

Browsers always send an ``Origin`` header and cannot set ``Authorization`` on a websocket, so:
- a handshake with an ``Origin`` must come from one of ``ALLOWED_HOSTS`` (this stops
  cross-site websocket hijacking with the victim's session cookie);
- a handshake without ``Origin`` is a non-browser client: its cookies are ignored and only an
  ``Authorization: Token <key>`` header authenticates it.
"""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


class BrowserOriginValidator(OriginValidator):
    """Like Channels' AllowedHostsOriginValidator, but lets clients without ``Origin`` through."""

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)


class TokenAuthMiddleware(BaseMiddleware):
    """Authenticate by API token when given; drop cookie auth when no ``Origin`` was sent."""

    async def __call__(self, scope: dict[str, Any], receive, send):
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            scope["user"] = await user_for_token(headers[b"authorization"].decode("latin1"))
        elif b"origin" not in headers:
            scope["user"] = AnonymousUser()
        return await super().__call__(scope, receive, send)


@database_sync_to_async
def user_for_token(header: str):
    keyword, _, key = header.partition(" ")
    if keyword != "Token" or not key:
        return AnonymousUser()
    token = Token.objects.select_related("user").filter(key=key.strip()).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


def WebsocketSecurityStack(inner):
    allowed_hosts = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(inner)), allowed_hosts)
