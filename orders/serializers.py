"""API input and output shapes for the catalogue and orders."""

from rest_framework import serializers

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR, Order, OrderEvent, OrderItem, Product, Shipment

MAX_ITEMS_PER_ORDER = 50
MAX_QUANTITY = 1000


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price", "active"]
        read_only_fields = ["id"]


class OrderItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = OrderItem
        fields = ["product", "sku", "name", "quantity", "unit_price", "line_total"]


class ShipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number", "tracking_url", "shipped_at"]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipment = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "items",
            "total",
            "shipping_address",
            "created_at",
            "shipment",
        ]

    def get_shipment(self, order: Order) -> dict | None:
        try:
            shipment = order.shipment
        except Shipment.DoesNotExist:
            return None
        return ShipmentSerializer(shipment).data


class OrderLineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    items = OrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS_PER_ORDER)
    shipping_address = serializers.CharField(max_length=500)


class ShipOrderSerializer(serializers.Serializer):
    carrier = serializers.ChoiceField(choices=Carrier.choices)
    tracking_number = serializers.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = serializers.BooleanField(default=True)


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["id", "type", "created_at", "payload"]
