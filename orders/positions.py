"""Feed positions, taken inside the transaction that records the event.

The invariant (docs/websockets.md): a reader that sees position N sees every position below
it. Positions come from the one ``EventSequence`` row; the ``UPDATE ... RETURNING`` that takes
the next one locks that row until the transaction ends, so the transactions holding positions
commit one at a time in numeric order, and a rolled-back one gives its position back. The row
is taken as late as possible (after the order's own writes) to keep the lock short, and one
transaction records one event: a second service call in the same transaction would lock
another order while holding the sequence, which other transactions wait for in the opposite
order (a deadlock).
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Max

from orders.models import EventSequence, Order

_NEXT_POSITION_SQL = (
    "UPDATE {table} SET last_position = last_position + 1 WHERE id = 1 RETURNING last_position"
)


@dataclass(frozen=True)
class FeedPlace:
    position: int
    order_previous: int
    customer_previous: int


def take_place(order: Order) -> FeedPlace:
    """The next position and the previous ones in the order's and the customer's feed.

    Call inside the event's transaction, with ``order`` locked or just created (so its
    ``last_position`` is current), then store ``position`` as the order's ``last_position``.
    The customer's previous position is read after the sequence row is locked: under READ
    COMMITTED that statement sees every event committed with a lower position, including a
    concurrent ship of another of the customer's orders that held the lock before us.
    """
    position = _next_position()
    customer_orders = Order.objects.filter(customer_id=order.customer_id)
    customer_previous = customer_orders.aggregate(last=Max("last_position"))["last"] or 0
    return FeedPlace(
        position=position,
        order_previous=order.last_position,
        customer_previous=customer_previous,
    )


def _next_position() -> int:
    sql = _NEXT_POSITION_SQL.format(table=connection.ops.quote_name(EventSequence._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:  # the row was deleted with every event (a test database's flush)
        EventSequence.objects.get_or_create(pk=1)
        return _next_position()
    return row[0]
