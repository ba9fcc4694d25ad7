"""Channel-layer group names, shared by the push receiver and the websocket consumers."""

STAFF_GROUP = "staff"
# The warehouse app sends its notice updates to this group (warehouse.push.WAREHOUSE_GROUP; the
# two apps never import each other, tests/test_websocket_warehouse.py checks the names match).
WAREHOUSE_GROUP = "warehouse"


def order_group(order_id: int) -> str:
    return f"order.{order_id}"


def customer_group(user_id: int) -> str:
    return f"customer.{user_id}"
