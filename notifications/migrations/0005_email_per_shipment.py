import django.db.models.deletion
from django.db import migrations, models


def name_the_shipment(apps, schema_editor):
    """Every email logged so far is a shipped email, about its event's shipment."""
    EmailLog = apps.get_model("notifications", "EmailLog")
    for email_log in EmailLog.objects.select_related("event").iterator(chunk_size=2000):
        email_log.shipment_id = email_log.event.shipment_id
        email_log.save(update_fields=["shipment"])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0004_live_watcher_process'),
        ('orders', '0008_shipment_constraints'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='emaillog',
            name='emaillog_once_per_event_kind',
        ),
        migrations.AlterField(
            model_name='emaillog',
            name='kind',
            field=models.CharField(choices=[('order_shipped', 'Parcel shipped'), ('out_for_delivery', 'Parcel out for delivery'), ('delivered', 'Parcel delivered')], max_length=32),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='shipment',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='email_logs', to='orders.shipment'),
        ),
        migrations.RunPython(name_the_shipment, migrations.RunPython.noop),
    ]
