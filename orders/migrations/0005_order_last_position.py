from django.db import migrations, models


def position_the_rest(apps, schema_editor):
    """Give every order its latest event's position, positioning first the events a process
    left unpositioned when positions were still taken after commit (in id order, as the
    re-dispatch did), so every event has a position from now on."""
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    EventSequence = apps.get_model("orders", "EventSequence")
    sequence, _ = EventSequence.objects.get_or_create(pk=1)
    last_in_order: dict[int, int] = {}
    last_for_customer: dict[int, int] = {}
    positioned = OrderEvent.objects.filter(position__isnull=False).select_related("order")
    for event in positioned.iterator(chunk_size=2000):
        order_id, customer_id = event.order_id, event.order.customer_id
        last_in_order[order_id] = max(last_in_order.get(order_id, 0), event.position)
        last_for_customer[customer_id] = max(last_for_customer.get(customer_id, 0), event.position)
    unpositioned = OrderEvent.objects.filter(position__isnull=True).select_related("order")
    for event in unpositioned.order_by("id"):
        customer_id = event.order.customer_id
        sequence.last_position += 1
        event.position = sequence.last_position
        event.order_previous = last_in_order.get(event.order_id, 0)
        event.customer_previous = last_for_customer.get(customer_id, 0)
        event.save(update_fields=["position", "order_previous", "customer_previous"])
        last_in_order[event.order_id] = last_for_customer[customer_id] = event.position
    sequence.save(update_fields=["last_position"])
    for order_id, position in last_in_order.items():
        Order.objects.filter(pk=order_id).update(last_position=position)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_shipment_order_protect"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="last_position",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["customer", "last_position"], name="order_customer_position"),
        ),
        migrations.RunPython(position_the_rest, migrations.RunPython.noop),
    ]
