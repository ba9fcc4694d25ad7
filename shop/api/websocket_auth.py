"""Websocket handshake security: origin check, then session or token authentication.

Browsers always send an ``Origin`` header and cannot set ``Authorization`` on a websocket, so:
- a handshake with an ``Origin`` must come from one of ``ALLOWED_HOSTS`` (this stops
  cross-site websocket hijacking with the victim's session cookie);
- a handshake without ``Origin`` is a non-browser client: its cookies are ignored and only an
  ``Authorization: Token <key>`` header authenticates it.

A socket outlives its handshake, so the consumers ask ``still_signed_in`` at every heartbeat.
Those checks, and the token checks of handshakes, are batched per process
(``shop.api.batching``): the heartbeats of sockets opened together fall together, and one pair
of queries answers all of them; a burst of handshakes is one query.
"""

from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from shop.api.batching import Batcher

# How long a check waits for others to join its query; heartbeats are a minute apart.
SIGNED_IN_BATCH_SECONDS = 0.01
# A handshake waits less: it is what a client waits for, and bursts come in together anyway.
TOKEN_BATCH_SECONDS = 0.002


class BrowserOriginValidator(OriginValidator):
    """Like Channels' AllowedHostsOriginValidator, but lets clients without ``Origin`` through."""

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)


class TokenAuthMiddleware(BaseMiddleware):
    """Authenticate by API token when given; drop cookie auth when no ``Origin`` was sent.

    Only a browser's handshake (``Origin``, no ``Authorization``) goes through ``sessions``,
    Channels' cookie, session and auth middleware: for every other handshake its answer would
    be overwritten, and it costs a hop to Channels' one database thread per handshake.
    The token's key is kept in ``scope["auth_token"]``, so a deleted token can end the socket.
    """

    def __init__(self, inner, *, sessions) -> None:
        super().__init__(inner)
        self.sessions = sessions

    async def __call__(self, scope: dict[str, Any], receive, send):
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            key = token_key(headers[b"authorization"].decode("latin1"))
            user = await user_for_token(key) if key else None
            scope = dict(scope, user=user or AnonymousUser())
            if user is not None:
                scope["auth_token"] = key
        elif b"origin" not in headers:
            scope = dict(scope, user=AnonymousUser())
        else:
            return await self.sessions(scope, receive, send)
        return await super().__call__(scope, receive, send)


def token_key(header: str) -> str | None:
    """The key of an ``Authorization: Token <key>`` header, or None for anything else."""
    keyword, _, key = header.partition(" ")
    key = key.strip()
    return key if keyword == "Token" and key else None


async def user_for_token(key: str):
    """The token's active user, or None: read from the database, batched with the other
    handshakes of the moment (one query and one connection for a burst, not one each).

    Not the REST API's token cache: Django's cache handles are per async context, so each
    socket would open (and keep) a Redis connection of its own, and 10,000 sockets reached
    Redis's client limit in the bench. Sockets of one token in one batch share its user.
    """
    return await _token_users.submit(key)


def _users_for_tokens(keys: Sequence[str]) -> list[Any]:
    """``user_for_token`` for many handshakes: one query."""
    users = {
        token.key: token.user
        for token in Token.objects.select_related("user").filter(
            key__in=set(keys), user__is_active=True
        )
    }
    return [users.get(key) for key in keys]


_token_users = Batcher(_users_for_tokens, delay=TOKEN_BATCH_SECONDS)


async def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the socket's user is still active and, for a token socket, the token exists."""
    return await _signed_in.submit((scope["user"].pk, scope.get("auth_token")))


def _signed_in_all(sockets: Sequence[tuple[int, str | None]]) -> list[bool]:
    """``still_signed_in`` for many sockets, as (user id, token key or None): two queries."""
    user_ids = {user_id for user_id, key in sockets if not key}
    keys = {key for _, key in sockets if key}
    active = set(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .values_list("pk", flat=True)
    )
    tokens = set(
        Token.objects.filter(key__in=keys, user__is_active=True).values_list("key", "user_id")
    )
    return [(key, user_id) in tokens if key else user_id in active for user_id, key in sockets]


_signed_in = Batcher(_signed_in_all, delay=SIGNED_IN_BATCH_SECONDS)


def WebsocketSecurityStack(inner):
    allowed_hosts = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    authenticated = TokenAuthMiddleware(inner, sessions=AuthMiddlewareStack(inner))
    return BrowserOriginValidator(authenticated, allowed_hosts)
