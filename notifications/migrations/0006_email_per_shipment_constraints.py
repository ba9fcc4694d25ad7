import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The rules that hold once 0005 named every email's shipment."""

    dependencies = [
        ('notifications', '0005_email_per_shipment'),
    ]

    operations = [
        migrations.AlterField(
            model_name='emaillog',
            name='shipment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='email_logs', to='orders.shipment'),
        ),
        migrations.AddConstraint(
            model_name='emaillog',
            constraint=models.UniqueConstraint(fields=('shipment', 'kind'), name='emaillog_once_per_shipment_kind'),
        ),
        migrations.AddConstraint(
            model_name='emaillog',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['order_shipped', 'out_for_delivery', 'delivered'])), name='emaillog_kind_valid'),
        ),
    ]
