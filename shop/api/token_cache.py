"""API tokens answered from the cache: the caller and their permissions without a query.

A token request used to cost three queries before the view ran: the token with its user, and
the user's own and group permissions (for ``has_perm``). ``cached_token_user`` keeps the
active user, permissions loaded, in Django's cache (Redis in production, shared by every
process; locmem embedded) for ``TOKEN_CACHE_SECONDS``.

Every change that could change the answer deletes the entry at once, through Django's own
signals (wired in ``shop.apps``): the token deleted or saved, the user saved (``is_active``,
``is_staff``, password, ...) or deleted, ``User.groups``, ``User.user_permissions`` and
``Group.permissions`` changed from either side, a group or permission deleted, a permission
saved. What no signal reports (a ``QuerySet.update()`` of users, raw SQL, an invalidation
lost while the cache was unreachable) lasts at most the TTL.

When the cache is unreachable the token is checked in the database, as before: a Redis outage
must not lock the API out. Only valid tokens of active users are cached, so guessing tokens
cannot fill the cache.
"""

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.cache import cache
from django.db.models import Q
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

logger = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 60

FORGET_TOKEN_UID = "shop.api.token_cache.forget_token"
FORGET_USER_UID = "shop.api.token_cache.forget_user"
FORGET_MEMBERSHIP_UID = "shop.api.token_cache.forget_membership"
FORGET_USER_PERMISSIONS_UID = "shop.api.token_cache.forget_user_permissions"
FORGET_GROUP_PERMISSIONS_UID = "shop.api.token_cache.forget_group_permissions"
FORGET_GROUP_UID = "shop.api.token_cache.forget_group"
FORGET_PERMISSION_UID = "shop.api.token_cache.forget_permission"


def cached_token_user(key: str) -> AbstractBaseUser | None:
    """The active user the token belongs to, with permissions loaded, or None.

    Sync: the websocket handshake calls it through ``database_sync_to_async``.
    """
    cache_key = _cache_key(key)
    try:
        user = cache.get(cache_key)
    except Exception:
        logger.warning("Token cache unreachable; checking the token in the database")
        return _load(key)
    if user is not None:
        return user
    user = _load(key)
    if user is not None:
        try:
            cache.set(cache_key, user, TOKEN_CACHE_SECONDS)
        except Exception:
            logger.warning("Token cache unreachable; the token was checked in the database")
    return user


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>``, answered by ``cached_token_user``.

    ``request.auth`` is the key: the token row is not read.
    """

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, str]:
        user = cached_token_user(key)
        if user is None:
            raise AuthenticationFailed("Invalid token.")
        return user, key


def _load(key: str) -> AbstractBaseUser | None:
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    user = token.user
    user.get_all_permissions()  # fills the backends' permission caches, pickled with the user
    return user


def _cache_key(key: str) -> str:
    # Hashed: the cache (a shared Redis) never holds a usable credential.
    return "api-token-user:" + hashlib.sha256(key.encode()).hexdigest()


def _forget_keys(keys: Iterable[str]) -> None:
    cache_keys = [_cache_key(key) for key in keys]
    if not cache_keys:
        return
    try:
        cache.delete_many(cache_keys)
    except Exception:
        logger.warning("Token cache unreachable; %s entries expire by themselves", len(cache_keys))


def _forget_users(users: Q) -> None:
    """Forget the tokens of the users ``users`` (a filter on the token's ``user``) matches."""
    _forget_keys(Token.objects.filter(users).values_list("key", flat=True).distinct())


def forget_token(sender: type[Token], *, instance: Token, **kwargs: Any) -> None:
    """``post_save`` / ``post_delete`` of a token."""
    _forget_keys([instance.key])


def forget_user(sender: type, *, instance: AbstractBaseUser, **kwargs: Any) -> None:
    """``post_save`` of a user; a deleted user's token is deleted with it (``forget_token``)."""
    _forget_users(Q(user_id=instance.pk))


def forget_membership(
    sender: type, *, instance: Any, action: str, reverse: bool, pk_set: set | None, **kwargs: Any
) -> None:
    """``m2m_changed`` of ``User.groups``: from the user's side or the group's."""
    if reverse:  # instance is a group; pk_set users, or None for a clear
        _forget_changed(action, instance, pk_set, Q(user__groups=instance), "user_id__in")
    else:
        _forget_changed(action, instance, pk_set, Q(user_id=instance.pk), None)


def forget_user_permissions(
    sender: type, *, instance: Any, action: str, reverse: bool, pk_set: set | None, **kwargs: Any
) -> None:
    """``m2m_changed`` of ``User.user_permissions``: from the user's side or the permission's."""
    if reverse:  # instance is a permission; pk_set users
        _forget_changed(action, instance, pk_set, Q(user__user_permissions=instance), "user_id__in")
    else:
        _forget_changed(action, instance, pk_set, Q(user_id=instance.pk), None)


def forget_group_permissions(
    sender: type, *, instance: Any, action: str, reverse: bool, pk_set: set | None, **kwargs: Any
) -> None:
    """``m2m_changed`` of ``Group.permissions``: from the group's side or the permission's."""
    if reverse:  # instance is a permission; pk_set groups
        every = Q(user__groups__permissions=instance)
        _forget_changed(action, instance, pk_set, every, "user__groups__in")
    else:
        _forget_changed(action, instance, pk_set, Q(user__groups=instance), None)


def forget_group(sender: type[Group], *, instance: Group, **kwargs: Any) -> None:
    """``pre_delete`` of a group: its members, read while they are still members."""
    _forget_users(Q(user__groups=instance))


def forget_permission(sender: type[Permission], *, instance: Permission, **kwargs: Any) -> None:
    """``pre_delete`` and ``post_save`` (a renamed codename) of a permission: whoever has it,
    directly or through a group."""
    _forget_users(Q(user__user_permissions=instance) | Q(user__groups__permissions=instance))


def _forget_changed(
    action: str, instance: Any, pk_set: set | None, everyone: Q, changed_lookup: str | None
) -> None:
    """After an add or remove, forget the users it concerns; before a clear (when the rows
    are still there to say who), everyone the relation holds.

    ``changed_lookup`` turns ``pk_set`` into the users concerned; None when the instance
    alone says who (``everyone``).
    """
    if action == "pre_clear":
        _forget_users(everyone)
    elif action in {"post_add", "post_remove"} and pk_set:
        _forget_users(everyone if changed_lookup is None else Q(**{changed_lookup: pk_set}))
