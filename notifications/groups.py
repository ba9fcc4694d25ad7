"""Channel-layer group names, shared by the push receiver and the websocket consumers."""

STAFF_GROUP = "staff"


def order_group(order_id: int) -> str:
    return f"order.{order_id}"


def customer_group(user_id: int) -> str:
    return f"customer.{user_id}"
