from django.contrib.auth.models import User
from rest_framework import serializers

from warehouse.models import WarehouseNotice


class NoticeItemSerializer(serializers.Serializer):
    """One line of the pick list, as snapshotted when the order shipped."""

    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class WarehouseNoticeSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    carrier = serializers.CharField(source="shipment.carrier")
    tracking_number = serializers.CharField(source="shipment.tracking_number")
    items = NoticeItemSerializer(many=True)
    acknowledged_by: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = WarehouseNotice
        fields = [
            "id",
            "order",
            "order_number",
            "carrier",
            "tracking_number",
            "items",
            "status",
            "created_at",
            "sent_at",
            "acknowledged_by",
            "acknowledged_at",
        ]
