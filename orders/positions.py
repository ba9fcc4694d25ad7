"""Feed positions, taken inside the transaction that records the event.

The invariant (docs/websockets.md): a reader that sees position N sees every position below
it. Positions come from the one ``EventSequence`` row; the ``UPDATE ... RETURNING`` that takes
the next one locks that row until the transaction ends, so the transactions holding positions
commit one at a time in numeric order, and a rolled-back one gives its position back. The row
is taken as late as possible (only the order's UPDATE and the event's INSERT follow it) to keep
the lock short, and one transaction records events of one order only (a parcel's last update
and the order's delivery are two): a second service call in the same transaction would lock
another order while holding the sequence, which other transactions wait for in the opposite
order (a deadlock).
"""

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field

from orders.models import EventSequence, Order

_NEXT_POSITION_SQL = (
    "UPDATE {table} SET last_position = last_position + 1 WHERE id = 1 RETURNING last_position"
)
_ORDER_UPDATE_SQL = (
    "UPDATE {table} SET {assignments} WHERE id = %s"
    " RETURNING (SELECT MAX(last_position) FROM {table} WHERE customer_id = %s AND id <> %s)"
)


@dataclass(frozen=True)
class FeedPlace:
    position: int
    order_previous: int
    customer_previous: int


def take_place(order: Order, *, changed: list[str]) -> FeedPlace:
    """Take the next position and write it as the order's ``last_position``, with the order's
    ``changed`` fields, in one UPDATE that also reads the customer's previous position.

    Call inside the event's transaction, with ``order`` locked or just created (so its
    ``last_position`` is current). The UPDATE is the statement after the one that locked the
    sequence row: under READ COMMITTED it sees every event committed with a lower position,
    including a concurrent ship of another of the customer's orders that held the lock before
    us. Its ``RETURNING`` reads the customer's other orders (whichever way the database orders
    a subquery against the row being updated), and this order's previous position is known.
    """
    position = _next_position()
    order_previous = order.last_position
    order.last_position = position
    columns = [_column(name) for name in [*changed, "last_position"]]
    # pre_save stamps auto_now fields, as Model.save() would.
    values = [
        field.get_db_prep_save(field.pre_save(order, False), connection) for field, _ in columns
    ]
    quote = connection.ops.quote_name
    sql = _ORDER_UPDATE_SQL.format(
        table=quote(Order._meta.db_table),
        assignments=", ".join(f"{quote(column)} = %s" for _, column in columns),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, order.pk, order.customer_id, order.pk])
        (others,) = cursor.fetchone()
    return FeedPlace(
        position=position,
        order_previous=order_previous,
        customer_previous=max(order_previous, others or 0),
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


def _column(name: str) -> "tuple[Field[Any, Any], str]":
    """The order's field ``name`` and its column: what ``take_place`` writes is all columns."""
    field = Order._meta.get_field(name)
    assert isinstance(field, Field)
    assert field.column is not None
    return field, field.column
