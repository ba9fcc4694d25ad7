"""Feed positions: taken in the event's transaction, in commit order, once, with each
feed's previous one."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from orders.models import EventSequence, Order, OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from orders.tasks import redispatch_pending_events
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def place(customer, product):
    return place_order(customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x")


def feed(**filters) -> list[tuple[int | None, int | None, int | None]]:
    events = OrderEvent.objects.filter(position__isnull=False, **filters).order_by("position")
    return list(events.values_list("position", "order_previous", "customer_previous"))


def test_each_event_follows_the_previous_one_of_its_order_and_of_its_customer(
    staff, django_capture_on_commit_callbacks
):
    alice, bob, product = UserFactory.create(), UserFactory.create(), ProductFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        first = place(alice, product)
        other = place(bob, product)
        second = place(alice, product)
        # The service, not the ship fixture: this block runs every callback, in commit order.
        ship_order(order_id=first.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")
        cancel_order(order=second, cancelled_by=alice)

    events = OrderEvent.objects.all()
    p = {(e.order_id, e.type): e.position for e in events if e.position is not None}
    assert len(p) == len(events), "every event has its position"
    placed, shipped = p[first.pk, "placed"], p[first.pk, "shipped"]
    second_placed, cancelled = p[second.pk, "placed"], p[second.pk, "cancelled"]
    assert sorted(p.values()) == list(range(placed, placed + 5)), "no hole in the staff feed"
    assert feed(order=first) == [(placed, 0, 0), (shipped, placed, second_placed)]
    assert feed(order=second) == [(second_placed, 0, placed), (cancelled, second_placed, shipped)]
    assert feed(order=other) == [(p[other.pk, "placed"], 0, 0)]
    assert EventSequence.objects.get().last_position == cancelled


def test_the_position_is_taken_in_the_event_transaction_before_any_dispatch(staff):
    """A process that dies right after the commit leaves a positioned event: nothing is
    left for the dispatch to number, and the re-dispatch sends it as it is."""
    customer, product = UserFactory.create(), ProductFactory.create()
    orphan = place(customer, product)  # its on-commit dispatch never runs in this test
    event = OrderEvent.objects.get(order=orphan)
    assert (event.position, event.order_previous, event.customer_previous) == (
        EventSequence.objects.get().last_position,
        0,
        0,
    )
    assert event.dispatched_at is None
    orphan.refresh_from_db()
    assert orphan.last_position == event.position

    assert redispatch_pending_events(older_than_seconds=0) == 1

    assert feed(order=orphan) == [(event.position, 0, 0)]
    assert OrderEvent.objects.get(pk=event.pk).dispatched_at is not None


def test_a_rolled_back_event_gives_its_position_back(staff, django_capture_on_commit_callbacks):
    """The sequence is written in the event's transaction, so a rollback leaves no hole."""
    customer, product = UserFactory.create(), ProductFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        first = place(customer, product)
    before = EventSequence.objects.get().last_position
    with transaction.atomic():
        place(customer, product)
        transaction.set_rollback(True)
    with django_capture_on_commit_callbacks(execute=True):
        second = place(customer, product)

    assert [position for position, *_ in feed(order__customer=customer)] == [before, before + 1]
    assert feed(order=second) == [(before + 1, 0, OrderEvent.objects.get(order=first).position)]


def test_the_customer_previous_position_is_one_indexed_read_on_orders(staff):
    """``order_previous`` comes from the locked order row; ``customer_previous`` is the only
    query, on the order table's (customer, last_position) index, not a scan of events."""
    customer, product = UserFactory.create(), ProductFactory.create()
    order = place(customer, product)
    with CaptureQueriesContext(connection) as captured:
        ship_order(order_id=order.pk, shipped_by=staff, carrier="ups", tracking_number="1Z01")
    reads = [query["sql"] for query in captured if query["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if "orders_orderevent" in sql]
    assert any(index.name == "order_customer_position" for index in Order._meta.indexes)


@pytest.mark.django_db(transaction=True)
def test_the_migration_positions_existing_events_at_their_ids():
    """Clients stored event ids as their cursor before positions existed; those stay valid."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    before = [("orders", "0002_ship_permission")]
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        customer = old.get_model("auth", "User").objects.create(username="old")
        Order, Event = old.get_model("orders", "Order"), old.get_model("orders", "OrderEvent")
        first, second = (Order.objects.create(number=f"OLD-{n}", customer=customer) for n in "12")
        ids = [
            Event.objects.create(order=order, type=kind).pk
            for order, kind in ((first, "placed"), (second, "placed"), (first, "cancelled"))
        ]
    finally:
        MigrationExecutor(connection).migrate(latest)  # a fresh graph: the old one was used

    assert feed() == [(ids[0], 0, 0), (ids[1], 0, ids[0]), (ids[2], ids[0], ids[1])]
    assert EventSequence.objects.get().last_position == ids[2]
