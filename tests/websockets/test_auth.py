"""Websocket handshakes: who may subscribe to what, by session cookie or API token.

Every refusal looks the same (close code 4403 before accept), so a client cannot tell an
order that exists from one that does not.
"""

import pytest
from asgiref.sync import sync_to_async
from rest_framework.authtoken.models import Token

from tests.factories import OrderFactory, StaffFactory, UserFactory, WarehouseStaffFactory
from tests.support.ws import communicator, session_cookie

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]

REFUSED = (False, 4403)


async def handshake(path: str, **kwargs) -> tuple[bool, int | None]:
    comm = communicator(path, **kwargs)
    result = await comm.connect()
    await comm.disconnect()
    return result


@pytest.fixture
def people(transactional_db):
    customer, other, staff, clerk = (
        UserFactory(),
        UserFactory(),
        StaffFactory(),
        WarehouseStaffFactory(),
    )
    order = OrderFactory(customer=customer)
    users = (customer, other, staff, clerk)
    cookies = {user: session_cookie(user) for user in users}
    tokens = {user: Token.objects.create(user=user).key for user in users}
    return {
        "customer": customer,
        "other": other,
        "staff": staff,
        "clerk": clerk,
        "order": order,
        "cookies": cookies,
        "tokens": tokens,
    }


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize("path", ["order", "list"])
async def test_owner_and_staff_subscribe_with_a_session_cookie(people, role, path):
    url = f"/ws/orders/{people['order'].pk}/" if path == "order" else "/ws/orders/"
    assert await handshake(url, cookie=people["cookies"][people[role]]) == (True, None)


async def test_token_clients_need_no_origin(people):
    url = f"/ws/orders/{people['order'].pk}/"
    assert await handshake(url, token=people["tokens"][people["customer"]], origin=None) == (
        True,
        None,
    )


@pytest.mark.parametrize(
    "case",
    [
        "anonymous",
        "other customer's order",
        "unknown order",
        "bad token",
        "cookie without origin",
        "foreign origin",
        "inactive user's token",
        "customer on warehouse",
        "staff without the warehouse role",
    ],
)
async def test_refusals_all_look_the_same(people, case):
    customer, other = people["customer"], people["other"]
    order_url = f"/ws/orders/{people['order'].pk}/"
    attempts = {
        "anonymous": (order_url, {}),
        "other customer's order": (order_url, {"cookie": people["cookies"][other]}),
        "unknown order": ("/ws/orders/999999/", {"cookie": people["cookies"][customer]}),
        "bad token": (order_url, {"token": "not-a-token", "origin": None}),
        "cookie without origin": (
            order_url,
            {"cookie": people["cookies"][customer], "origin": None},
        ),
        "foreign origin": (
            order_url,
            {"cookie": people["cookies"][customer], "origin": b"https://evil.example"},
        ),
        "inactive user's token": (order_url, {"token": people["tokens"][customer], "origin": None}),
        "customer on warehouse": ("/ws/warehouse/", {"cookie": people["cookies"][customer]}),
        "staff without the warehouse role": (
            "/ws/warehouse/",
            {"cookie": people["cookies"][people["staff"]]},
        ),
    }
    if case == "inactive user's token":
        customer.is_active = False
        await sync_to_async(customer.save)()
    path, kwargs = attempts[case]
    result = await handshake(path, **kwargs)
    if case == "foreign origin":
        assert result[0] is False  # refused by the origin check before any consumer runs
    else:
        assert result == REFUSED


async def test_warehouse_staff_subscribe_to_the_warehouse_feed(people):
    assert await handshake("/ws/warehouse/", cookie=people["cookies"][people["clerk"]]) == (
        True,
        None,
    )


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/orders/abc/", "/"])
async def test_unknown_paths_are_refused_cleanly(people, path):
    assert await handshake(path, cookie=people["cookies"][people["customer"]]) == (False, 4404)
