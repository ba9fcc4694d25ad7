"""Feed positions: given after commit, in commit order, once, with each feed's previous one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.dispatch import assign_position
from orders.models import EventSequence, OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from orders.tasks import redispatch_pending_events
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def place(customer, product):
    return place_order(customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x")


def feed(**filters) -> list[tuple[int, int, int]]:
    events = OrderEvent.objects.filter(position__isnull=False, **filters).order_by("position")
    return list(events.values_list("position", "order_previous", "customer_previous"))


def test_each_event_follows_the_previous_one_of_its_order_and_of_its_customer(
    staff, django_capture_on_commit_callbacks
):
    alice, bob, product = UserFactory(), UserFactory(), ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = place(alice, product)
        other = place(bob, product)
        second = place(alice, product)
        # The service, not the ship fixture: this block runs every callback, in commit order.
        ship_order(order=first, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")
        cancel_order(order=second, cancelled_by=alice)

    p = {(e.order_id, e.type): e.position for e in OrderEvent.objects.all()}
    placed, shipped = p[first.pk, "placed"], p[first.pk, "shipped"]
    second_placed, cancelled = p[second.pk, "placed"], p[second.pk, "cancelled"]
    assert sorted(p.values()) == list(range(placed, placed + 5)), "no hole in the staff feed"
    assert feed(order=first) == [(placed, 0, 0), (shipped, placed, second_placed)]
    assert feed(order=second) == [(second_placed, 0, placed), (cancelled, second_placed, shipped)]
    assert feed(order=other) == [(p[other.pk, "placed"], 0, 0)]
    assert EventSequence.objects.get().last_position == cancelled


def test_positions_follow_commit_order_not_id_order(staff, django_capture_on_commit_callbacks):
    """The first order's dispatch runs last, as when its commit came last: it gets the later
    position although its id is lower, so ``?after=`` a position never skips it."""
    customer, product = UserFactory(), ProductFactory()
    with django_capture_on_commit_callbacks() as first_commit:
        first = place(customer, product)
    with django_capture_on_commit_callbacks() as second_commit:
        second = place(customer, product)
    for callback in [*second_commit, *first_commit]:
        callback()

    early, late = (OrderEvent.objects.get(order=order) for order in (first, second))
    assert early.pk < late.pk
    assert early.position > late.position
    assert early.customer_previous == late.position


def test_an_event_whose_process_died_after_commit_is_positioned_by_the_redispatch(
    staff, django_capture_on_commit_callbacks
):
    customer, product = UserFactory(), ProductFactory()
    with django_capture_on_commit_callbacks(execute=False):
        orphan = place(customer, product)  # committed; its dispatch never runs
    with django_capture_on_commit_callbacks(execute=True):
        later = place(customer, product)
    assert OrderEvent.objects.get(order=orphan).position is None

    assert redispatch_pending_events(older_than_seconds=0) == 1

    late, orphaned = OrderEvent.objects.get(order=later), OrderEvent.objects.get(order=orphan)
    assert orphaned.position == late.position + 1
    assert (orphaned.order_previous, orphaned.customer_previous) == (0, late.position)


def test_positioning_twice_changes_nothing(staff, django_capture_on_commit_callbacks):
    customer, product = UserFactory(), ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(customer, product)
    before = feed(), EventSequence.objects.get().last_position

    assign_position(event_id=OrderEvent.objects.get(order=order).pk)

    assert (feed(), EventSequence.objects.get().last_position) == before


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
