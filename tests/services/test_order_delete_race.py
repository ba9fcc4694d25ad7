"""An order shipped while its delete runs is kept by the database, not by Django.

Django's collector looks for protected rows before it deletes; a shipment committed after
that look is unknown to it. The foreign keys have no ON DELETE action in the database, so the
delete's commit fails instead (Django creates them deferred: checked at commit).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_delete

from orders.models import Order, OrderEvent, OrderItem, Shipment, ShipmentLine
from orders.services import ship_order
from tests.factories import OrderFactory


def test_the_database_refuses_deleting_a_shipped_order_behind_the_collectors_back(db, staff):
    order = OrderFactory.create()
    ship_order(order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD0001")
    OrderEvent.objects.filter(order=order).delete()
    ShipmentLine.objects.filter(shipment__order=order).delete()
    OrderItem.objects.filter(order=order).delete()  # only the shipment refers to it now

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM orders_order WHERE id = %s", [order.pk])
        with pytest.raises(IntegrityError, match="orders_shipment"):
            connection.check_constraints()  # the check the commit would make
        transaction.set_rollback(True)

    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_order_shipped_while_it_is_deleted_is_kept(staff, only_receivers):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite lets only one transaction write at a time")
    only_receivers()  # the ship's dispatch is beside the point
    order = OrderFactory.create()

    def ship_in_another_connection() -> None:
        try:
            ship_order(order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD0001")
        finally:
            connection.close()  # this thread's; the test database is dropped at the end

    def ship_meanwhile(sender: type[Order], **kwargs: object) -> None:
        """Runs inside the delete's transaction, after the collector found no shipment."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(ship_in_another_connection).result()

    pre_delete.connect(ship_meanwhile, sender=Order, dispatch_uid="test.ship_meanwhile")
    try:
        with pytest.raises(IntegrityError):
            order.delete()
    finally:
        pre_delete.disconnect(sender=Order, dispatch_uid="test.ship_meanwhile")

    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    assert Shipment.objects.filter(order=order).exists()
