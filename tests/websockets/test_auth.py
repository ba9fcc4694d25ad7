"""Websocket handshakes: who may subscribe to what, by session cookie or API token.

Every refusal looks the same (close code 4403 before accept), so a client cannot tell an
order that exists from one that does not.
"""

import pytest
from asgiref.sync import sync_to_async

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


# Session cookies of a browser that logged in, per role.


@pytest.fixture
def customer_cookie(customer) -> bytes:
    return session_cookie(customer)


@pytest.fixture
def other_customer_cookie(other_customer) -> bytes:
    return session_cookie(other_customer)


@pytest.fixture
def staff_cookie(staff) -> bytes:
    return session_cookie(staff)


@pytest.fixture
def warehouse_clerk_cookie(warehouse_clerk) -> bytes:
    return session_cookie(warehouse_clerk)


@pytest.fixture
def role_cookie(request) -> bytes:
    """The session cookie of the role in ``request.param``."""
    return request.getfixturevalue(f"{request.param}_cookie")


@pytest.mark.parametrize("role_cookie", ["customer", "staff"], indirect=True, ids=str)
@pytest.mark.parametrize("path", ["order", "list"])
async def test_owner_and_staff_subscribe_with_a_session_cookie(order, role_cookie, path):
    url = f"/ws/orders/{order.pk}/" if path == "order" else "/ws/orders/"
    assert await handshake(url, cookie=role_cookie) == (True, None)


async def test_token_clients_need_no_origin(order, customer_token):
    url = f"/ws/orders/{order.pk}/"
    assert await handshake(url, token=customer_token, origin=None) == (True, None)


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
async def test_refusals_all_look_the_same(
    order,
    customer,
    customer_cookie,
    customer_token,
    other_customer_cookie,
    staff_cookie,
    case,
):
    order_url = f"/ws/orders/{order.pk}/"
    attempts = {
        "anonymous": (order_url, {}),
        "other customer's order": (order_url, {"cookie": other_customer_cookie}),
        "unknown order": ("/ws/orders/999999/", {"cookie": customer_cookie}),
        "bad token": (order_url, {"token": "not-a-token", "origin": None}),
        "cookie without origin": (order_url, {"cookie": customer_cookie, "origin": None}),
        "foreign origin": (
            order_url,
            {"cookie": customer_cookie, "origin": b"https://evil.example"},
        ),
        "inactive user's token": (order_url, {"token": customer_token, "origin": None}),
        "customer on warehouse": ("/ws/warehouse/", {"cookie": customer_cookie}),
        "staff without the warehouse role": ("/ws/warehouse/", {"cookie": staff_cookie}),
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


async def test_warehouse_staff_subscribe_to_the_warehouse_feed(warehouse_clerk_cookie):
    assert await handshake("/ws/warehouse/", cookie=warehouse_clerk_cookie) == (True, None)


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/orders/abc/", "/"])
async def test_unknown_paths_are_refused_cleanly(customer_cookie, path):
    assert await handshake(path, cookie=customer_cookie) == (False, 4404)
