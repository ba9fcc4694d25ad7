from django.db import migrations, models


def fill_in_existing_shipments(apps, schema_editor):
    """An order shipped before partial shipments existed shipped everything at once: its
    shipment gets a line for each item (whose shipped quantity is then all of it), and its
    ``shipped`` event names it and carries its lines."""
    Shipment = apps.get_model("orders", "Shipment")
    ShipmentLine = apps.get_model("orders", "ShipmentLine")
    OrderItem = apps.get_model("orders", "OrderItem")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    shipment_of_order: dict[int, int] = {}
    for order_id, shipment_id in Shipment.objects.values_list("order_id", "id").iterator(
        chunk_size=2000
    ):
        shipment_of_order[order_id] = shipment_id
    items = OrderItem.objects.filter(order_id__in=shipment_of_order).values_list(
        "id", "order_id", "quantity", "product__sku", "product__name"
    )
    lines_of_order: dict[int, list[dict]] = {}
    new_lines = []
    for item_id, order_id, quantity, sku, name in items.iterator(chunk_size=2000):
        new_lines.append(
            ShipmentLine(shipment_id=shipment_of_order[order_id], item_id=item_id, quantity=quantity)
        )
        lines_of_order.setdefault(order_id, []).append(
            {"item": item_id, "sku": sku, "name": name, "quantity": quantity}
        )
    ShipmentLine.objects.bulk_create(new_lines, batch_size=2000)
    OrderItem.objects.filter(order_id__in=shipment_of_order).update(
        shipped_quantity=models.F("quantity")
    )
    shipped = OrderEvent.objects.filter(type="shipped", order_id__in=shipment_of_order)
    for event in shipped.iterator(chunk_size=2000):
        event.shipment_id = shipment_of_order[event.order_id]
        # The keys a shipped payload has now (orders.signals.ShippedPayload).
        event.payload = {
            **event.payload,
            "shipment_id": event.shipment_id,
            "lines": lines_of_order.get(event.order_id, []),
        }
        event.save(update_fields=["shipment", "payload"])

class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_shipments_lines_tracking"),
    ]

    operations = [
        migrations.RunPython(fill_in_existing_shipments, migrations.RunPython.noop),
    ]
