from django.db import migrations, models


def position_existing_events(apps, schema_editor):
    """Existing events get their id as position, in id order, so a client's stored cursor
    (an event id before this migration) still points at the same place in every feed."""
    OrderEvent = apps.get_model("orders", "OrderEvent")
    EventSequence = apps.get_model("orders", "EventSequence")
    last_in_order: dict[int, int] = {}
    last_for_customer: dict[int, int] = {}
    events = OrderEvent.objects.select_related("order").order_by("id")
    for event in events.iterator(chunk_size=1000):
        customer_id = event.order.customer_id
        event.position = event.pk
        event.order_previous = last_in_order.get(event.order_id, 0)
        event.customer_previous = last_for_customer.get(customer_id, 0)
        event.save(update_fields=["position", "order_previous", "customer_previous"])
        last_in_order[event.order_id] = last_for_customer[customer_id] = event.pk
    last = OrderEvent.objects.aggregate(last=models.Max("id"))["last"] or 0
    EventSequence.objects.create(pk=1, last_position=last)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_ship_permission"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_position", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="orderevent",
            name="position",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="orderevent",
            name="order_previous",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="orderevent",
            name="customer_previous",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(position_existing_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="orderevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    position__isnull=True,
                    order_previous__isnull=True,
                    customer_previous__isnull=True,
                )
                | models.Q(
                    position__gt=0,
                    order_previous__gte=0,
                    order_previous__lt=models.F("position"),
                    customer_previous__gte=0,
                    customer_previous__lt=models.F("position"),
                ),
                name="orderevent_position_valid",
            ),
        ),
    ]
