"""The admin's ship forms: the same rules as the API's ship serializer, and a pick list of the
lines still to ship, one quantity each."""

from dataclasses import dataclass

from django import forms

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR, Order, OrderItem
from orders.services import ShipLine

NOTHING_PICKED = "Ship at least one unit."


@dataclass(frozen=True)
class Pick:
    """One row of a pick list: the item, and its "quantity to ship" field."""

    item: OrderItem
    field: forms.BoundField


class PickListForm(forms.Form):
    """One quantity field per item still to ship (``quantity_<item id>``, unique across
    orders), each at first all that remains: lowering some ships a subset, 0 leaves an item
    for a later parcel, and a quantity left out of the data ships all that remains of it."""

    def add_quantity_fields(self, items) -> list[OrderItem]:
        """The items with something left to ship, each given its field."""
        shippable = [item for item in items if item.remaining_quantity]
        for item in shippable:
            # The pick list's column headers label the field on screen; aria-label names it.
            label = f"Quantity of {item.product.sku} to ship"
            self.fields[self.quantity_field(item)] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=item.remaining_quantity,
                initial=item.remaining_quantity,
                required=False,
                widget=forms.NumberInput(attrs={"class": "vIntegerField", "aria-label": label}),
            )
        return shippable

    @staticmethod
    def quantity_field(item: OrderItem) -> str:
        return f"quantity_{item.pk}"

    def pick_list(self, items: list[OrderItem]) -> list[Pick]:
        return [Pick(item=item, field=self[self.quantity_field(item)]) for item in items]

    def _quantity(self, item: OrderItem) -> int:
        quantity = self.cleaned_data.get(self.quantity_field(item))
        return item.remaining_quantity if quantity is None else quantity

    def nothing_picked(self, items: list[OrderItem]) -> bool:
        """Something remains, but every quantity is 0 (or invalid, already an error)."""
        return bool(items) and not any(self._quantity(item) for item in items)

    def picked_lines(self, items: list[OrderItem]) -> list[ShipLine] | None:
        """The parcel's lines: the items given a quantity; None when nothing remains (the
        service then refuses the ship as it would through the API)."""
        if not items:
            return None
        quantities = [(item, self._quantity(item)) for item in items]
        return [ShipLine(item_id=item.pk, quantity=n) for item, n in quantities if n]


class ShipOrderForm(PickListForm):
    """The admin's ship page for one order."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    tracking_number = forms.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = self.add_quantity_fields(items)

    def clean(self):
        cleaned = super().clean()
        if self.nothing_picked(self.items):
            raise forms.ValidationError(NOTHING_PICKED)
        return cleaned

    def picks(self) -> list[Pick]:
        return self.pick_list(self.items)

    def lines(self) -> list[ShipLine] | None:
        return self.picked_lines(self.items)


@dataclass(frozen=True)
class Parcel:
    """One selected order on the bulk page: its tracking number field and its pick list."""

    order: Order
    tracking: forms.BoundField
    picks: list[Pick]


class BulkShipForm(PickListForm):
    """The admin's "Ship selected orders" page: one carrier, and per order a tracking number
    and a pick list; each order's parcel carries the quantities picked for it."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    notify_customer = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, orders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.orders = list(orders)
        self.shippable: dict[int, list[OrderItem]] = {}
        for order in self.orders:
            self.fields[self.tracking_field(order)] = forms.CharField(
                label="Tracking number",
                max_length=40,
                validators=[TRACKING_NUMBER_VALIDATOR],
            )
            self.shippable[order.pk] = self.add_quantity_fields(order.items.all())

    @staticmethod
    def tracking_field(order: Order) -> str:
        return f"tracking_{order.pk}"

    def clean(self):
        cleaned = super().clean()
        for order in self.orders:
            if self.nothing_picked(self.shippable[order.pk]):
                self.add_error(
                    self.tracking_field(order),
                    f"Ship at least one unit of order {order.number}, or leave it out of the "
                    "selection.",
                )
        return cleaned

    def parcels(self) -> list[Parcel]:
        return [
            Parcel(
                order=order,
                tracking=self[self.tracking_field(order)],
                picks=self.pick_list(self.shippable[order.pk]),
            )
            for order in self.orders
        ]

    def lines(self, order: Order) -> list[ShipLine] | None:
        return self.picked_lines(self.shippable[order.pk])
