"""The API token cache: a warm token costs no query, and every change that could change its
answer is seen by the very next request (the signals in ``shop.api.token_cache``)."""

import logging
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.api.token_cache import _cache_key, cached_token_user
from tests.factories import OrderFactory, StaffFactory
from tests.project.test_redis_down import redis_cache_at
from tests.support.live_services import free_port

pytestmark = pytest.mark.django_db

SHIP = {"carrier": "dhl", "tracking_number": "JD0000001"}


def ship_perm() -> Permission:
    return Permission.objects.get(content_type__app_label="orders", codename="ship_order")


def token_client(user) -> tuple[APIClient, Token]:
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def warm(client: APIClient, token: Token) -> None:
    assert client.get("/api/orders/").status_code == 200
    assert cache.get(_cache_key(token.key)) is not None, "the token is cached"


def ship_status(client: APIClient) -> int:
    return client.post(
        f"/api/orders/{OrderFactory.create().pk}/ship/", SHIP, format="json"
    ).status_code


def test_a_cached_token_costs_no_query_and_keeps_the_permissions():
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)

    with CaptureQueriesContext(connection) as captured:
        user = cached_token_user(token.key)
    assert len(captured) == 0
    assert isinstance(user, User)
    assert user.pk == staff.pk
    with CaptureQueriesContext(connection) as captured:
        assert user.has_perm("orders.ship_order")
    assert len(captured) == 0


def test_an_unknown_token_is_refused_and_not_cached():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/orders/").status_code == 401
    assert cache.get(_cache_key("0" * 40)) is None


def test_a_change_no_signal_reports_lasts_until_the_entry_expires():
    """Proof that the cache answers: a QuerySet.update() sends no signal (the documented gap,
    bounded by the TTL); deleting the entry, as the receivers do, ends it."""
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)

    assert client.get("/api/orders/").status_code == 200
    cache.delete(_cache_key(token.key))
    assert client.get("/api/orders/").status_code == 401


def test_a_revoked_token_is_refused_at_once():
    client, token = token_client(StaffFactory.create())
    warm(client, token)
    token.delete()
    assert client.get("/api/orders/").status_code == 401


def test_a_replaced_token_is_refused_at_once_and_the_new_one_works():
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)
    token.delete()
    new = Token.objects.create(user=staff)

    assert client.get("/api/orders/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    assert client.get("/api/orders/").status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user: setattr(user, "is_active", False), id="deactivated"),
        pytest.param(lambda user: user.set_password("a new one 2026"), id="password"),
    ],
)
def test_a_saved_user_is_read_again_at_once(change: Callable):
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)
    change(staff)
    staff.save()

    assert cache.get(_cache_key(token.key)) is None
    expected = 200 if staff.is_active else 401
    assert client.get("/api/orders/").status_code == expected


def test_a_deleted_user_is_refused_at_once():
    staff = StaffFactory.create(ship_permission=False)
    client, token = token_client(staff)
    warm(client, token)
    staff.delete()
    assert client.get("/api/orders/").status_code == 401


def test_staff_made_customer_cannot_ship_at_once():
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)
    staff.is_staff = False
    staff.save()
    assert ship_status(client) == 404, "a customer sees only their own orders"


def in_group(user) -> Group:
    group = Group.objects.create(name=f"shippers-{user.pk}")
    group.permissions.add(ship_perm())
    user.groups.add(group)
    return group


REVOKES: dict[str, Callable] = {
    "own permission removed": lambda user: user.user_permissions.remove(ship_perm()),
    "own permissions cleared": lambda user: user.user_permissions.clear(),
    "removed from the permission's users": lambda user: ship_perm().user_set.remove(user),
    "the permission's users cleared": lambda user: ship_perm().user_set.clear(),
    "the permission deleted": lambda user: ship_perm().delete(),
    "the permission renamed": lambda user: rename(ship_perm()),
}
GROUP_REVOKES: dict[str, Callable] = {
    "left the group": lambda user, group: user.groups.remove(group),
    "groups cleared": lambda user, group: user.groups.clear(),
    "removed from the group's users": lambda user, group: group.user_set.remove(user),
    "the group's users cleared": lambda user, group: group.user_set.clear(),
    "the group's permission removed": lambda user, group: group.permissions.remove(ship_perm()),
    "the group's permissions cleared": lambda user, group: group.permissions.clear(),
    "the group removed from the permission": lambda user, group: ship_perm().group_set.remove(
        group
    ),
    "the permission's groups cleared": lambda user, group: ship_perm().group_set.clear(),
    "the group deleted": lambda user, group: group.delete(),
    "the permission deleted": lambda user, group: ship_perm().delete(),
}


def rename(permission: Permission) -> None:
    permission.codename = "ship_order_renamed"
    permission.save()


@pytest.mark.parametrize("revoke", list(REVOKES.values()), ids=list(REVOKES))
def test_a_removed_own_permission_gives_403_at_once(revoke: Callable):
    staff = StaffFactory.create()
    client, token = token_client(staff)
    warm(client, token)
    revoke(staff)
    assert ship_status(client) == 403


@pytest.mark.parametrize("revoke", list(GROUP_REVOKES.values()), ids=list(GROUP_REVOKES))
def test_a_permission_lost_through_a_group_gives_403_at_once(revoke: Callable):
    staff = StaffFactory.create(ship_permission=False)
    group = in_group(staff)
    client, token = token_client(staff)
    warm(client, token)
    revoke(staff, group)
    assert ship_status(client) == 403


GRANTS: dict[str, Callable] = {
    "own permission added": lambda user: user.user_permissions.add(ship_perm()),
    "added to the permission's users": lambda user: ship_perm().user_set.add(user),
    "joined a group that has it": lambda user: in_group(user),
    "added to a group's users": lambda user: Group.objects.get(name="g").user_set.add(user),
    "the group given the permission": lambda user: Group.objects.get(name="m").permissions.add(
        ship_perm()
    ),
    "the permission given the group": lambda user: ship_perm().group_set.add(
        Group.objects.get(name="m")
    ),
}


@pytest.mark.parametrize("grant", list(GRANTS.values()), ids=list(GRANTS))
def test_a_granted_permission_works_at_once(grant: Callable):
    staff = StaffFactory.create(ship_permission=False)
    Group.objects.create(name="g").permissions.add(ship_perm())
    staff.groups.add(Group.objects.create(name="m"))
    client, token = token_client(staff)
    warm(client, token)
    assert ship_status(client) == 403
    grant(staff)
    assert ship_status(client) == 200


def test_with_the_cache_refused_the_token_is_checked_in_the_database(settings, caplog):
    client, token = token_client(StaffFactory.create())
    redis_cache_at(settings, free_port())
    with caplog.at_level(logging.WARNING):
        assert ship_status(client) == 200
        token.delete()
        assert client.get("/api/orders/").status_code == 401
    assert "Token cache unreachable" in caplog.text
