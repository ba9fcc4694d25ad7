"""Websocket handshake security: origin check, then session or token authentication.

Browsers always send an ``Origin`` header and cannot set ``Authorization`` on a websocket, so:
- a handshake with an ``Origin`` must come from one of ``ALLOWED_HOSTS`` (this stops
  cross-site websocket hijacking with the victim's session cookie);
- a handshake without ``Origin`` is a non-browser client: its cookies are ignored and only an
  ``Authorization: Token <key>`` header authenticates it.

A socket outlives its handshake, so the consumers ask ``still_signed_in`` at every heartbeat.
"""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


class BrowserOriginValidator(OriginValidator):
    """Like Channels' AllowedHostsOriginValidator, but lets clients without ``Origin`` through."""

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)


class TokenAuthMiddleware(BaseMiddleware):
    """Authenticate by API token when given; drop cookie auth when no ``Origin`` was sent.

    The token's key is kept in ``scope["auth_token"]``, so a deleted token can end the socket.
    """

    async def __call__(self, scope: dict[str, Any], receive, send):
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            key = token_key(headers[b"authorization"].decode("latin1"))
            scope["user"] = await user_for_token(key) if key else AnonymousUser()
            if scope["user"].is_authenticated:
                scope["auth_token"] = key
        elif b"origin" not in headers:
            scope["user"] = AnonymousUser()
        return await super().__call__(scope, receive, send)


def token_key(header: str) -> str | None:
    """The key of an ``Authorization: Token <key>`` header, or None for anything else."""
    keyword, _, key = header.partition(" ")
    key = key.strip()
    return key if keyword == "Token" and key else None


@database_sync_to_async
def user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


@database_sync_to_async
def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the socket's user is still active and, for a token socket, the token exists."""
    user = scope["user"]
    if key := scope.get("auth_token"):
        return Token.objects.filter(key=key, user_id=user.pk, user__is_active=True).exists()
    return get_user_model().objects.filter(pk=user.pk, is_active=True).exists()


def WebsocketSecurityStack(inner):
    allowed_hosts = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(inner)), allowed_hosts)
