"""Channel-layer group names of the order feeds, shared by the push receiver and the consumers.

"Channel group" here is a Channels group (who receives a push), not an auth group (a role).
"""

STAFF_CHANNEL_GROUP = "staff"


def order_channel_group(order_id: int) -> str:
    return f"order.{order_id}"


def customer_channel_group(user_id: int) -> str:
    return f"customer.{user_id}"
