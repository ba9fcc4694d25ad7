from django.db import migrations, models


class Migration(migrations.Migration):
    """The rules that hold once 0007 filled in the existing rows."""

    dependencies = [
        ('orders', '0007_existing_shipments'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='orderitem',
            constraint=models.CheckConstraint(condition=models.Q(('shipped_quantity__gte', 0), ('shipped_quantity__lte', models.F('quantity'))), name='orderitem_not_over_shipped'),
        ),
        migrations.AddConstraint(
            model_name='orderevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('shipment__isnull', False), ('type__in', ['shipped', 'shipment_updated'])), models.Q(models.Q(('type__in', ['shipped', 'shipment_updated']), _negated=True), ('shipment__isnull', True)), _connector='OR'), name='orderevent_shipment_iff_shipment_event'),
        ),
        migrations.AddConstraint(
            model_name='orderevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('tracking_event__isnull', False), ('type', 'shipment_updated')), models.Q(models.Q(('type', 'shipment_updated'), _negated=True), ('tracking_event__isnull', True)), _connector='OR'), name='orderevent_tracking_iff_update'),
        ),
    ]
