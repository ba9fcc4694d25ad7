"""API shapes for endpoints and deliveries. The secret is output only by the two
serializers that name it: the 201 of a new endpoint and the answer of a rotation."""

from rest_framework import serializers

from webhooks.events import SUBSCRIBABLE
from webhooks.models import Attempt, Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "description", "active", "disabled_reason", "created_at"]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="`whsec_` and base64: verify deliveries with it. Shown only here.",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


def _no_duplicates(events: list[str]) -> None:
    if len(set(events)) != len(events):
        raise serializers.ValidationError("List each event type once.")


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        max_length=len(SUBSCRIBABLE),
        validators=[_no_duplicates],
        help_text="The event types to send; empty for all of them.",
    )
    description = serializers.CharField(max_length=200, allow_blank=True, default="")


class EndpointUpdateSerializer(EndpointInputSerializer):
    active = serializers.BooleanField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, partial=True, **kwargs)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["attempted_at", "status_code", "duration_ms", "error", "response_excerpt"]


class DeliverySerializer(serializers.ModelSerializer):
    attempts = AttemptSerializer(source="attempt_log", many=True, read_only=True)
    order = serializers.IntegerField(source="order_id", allow_null=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_type", "webhook_id", "order", "status", "created_at", "attempts"]
