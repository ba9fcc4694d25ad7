"""Each choice list is written once: the check constraints and the event types are built from it,
so a new status or carrier cannot be refused by a constraint that still lists the old ones."""

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from orders.carriers import Carrier
from orders.models import (
    EventType,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)


def check_constraint(model: type[models.Model], name: str) -> models.CheckConstraint:
    [constraint] = [c for c in model._meta.constraints if c.name == name]
    assert isinstance(constraint, models.CheckConstraint)
    return constraint


@pytest.mark.parametrize(
    ("model", "name", "field", "choices"),
    [
        (Order, "order_status_valid", "status", OrderStatus),
        (OrderEvent, "orderevent_type_valid", "type", EventType),
        (Shipment, "shipment_carrier_valid", "carrier", Carrier),
        (Shipment, "shipment_status_valid", "status", ShipmentStatus),
        (TrackingEvent, "trackingevent_status_valid", "status", ShipmentStatus),
        (TrackingEvent, "trackingevent_carrier_valid", "carrier", Carrier),
    ],
)
def test_each_check_constraint_allows_exactly_its_fields_choices(model, name, field, choices):
    assert check_constraint(model, name).condition == Q(**{f"{field}__in": choices.values})
    assert [value for value, _label in model._meta.get_field(field).choices] == choices.values


def test_the_choices_are_the_models_own():
    assert Order.Status is OrderStatus
    assert OrderEvent.Type is EventType
    assert Shipment.Status is ShipmentStatus


@pytest.mark.django_db
def test_the_database_refuses_a_status_or_event_type_outside_the_choices(order):
    event = OrderEvent.objects.create(order=order, type=OrderEvent.Type.PLACED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status="lost")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderEvent.objects.filter(pk=event.pk).update(type="lost")
