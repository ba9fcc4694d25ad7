"""Redis restarted under open websockets: they stay open, and live pushes reach them again.

The pub/sub channel layer subscribes each web process once per group; Redis forgets those
subscriptions when it stops. redis-py reconnects the layer's pub/sub connection on its next
read and subscribes it again to every channel it had, so the sockets need not reconnect.
"""

import pytest
import redis

from shop.settings import redis_url_database
from tests.support.fault_services import Subscriber, ship
from tests.support.live_services import wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults]


def subscribed_processes(url: str) -> int:
    """Processes subscribed to the pub/sub layer's channel for the "staff" group."""
    staff_group_channel = f"asgi.db{redis_url_database(url)}.__group__staff"
    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        [(_name, count)] = client.pubsub_numsub(staff_group_channel)
        return count
    except redis.ConnectionError:
        return 0
    finally:
        client.close()


def test_open_sockets_get_live_pushes_again_after_a_redis_restart(faults):
    shop = faults.create_orders(2)
    web = faults.start_web()
    before, after = shop.orders

    with Subscriber(f"{web.ws}/ws/orders/", shop.staff_token) as staff:
        assert subscribed_processes(faults.redis.url) == 1
        assert ship(web.http, before.id, shop.staff_token) == 200
        wait_for(
            lambda: any(m.get("order_id") == before.id for m in staff.messages),
            timeout=10,
            what="the push before the restart",
        )

        faults.redis.stop()
        faults.redis.start()
        wait_for(
            lambda: subscribed_processes(faults.redis.url) == 1,
            timeout=15,
            what="the web process to subscribe again",
        )
        assert ship(web.http, after.id, shop.staff_token) == 200

        wait_for(
            lambda: any(m.get("order_id") == after.id for m in staff.messages),
            timeout=10,
            what="the live push after the restart",
        )
        shipped = [m["order_id"] for m in staff.everything_so_far() if m["type"] == "order.shipped"]
    assert shipped == [before.id, after.id]
