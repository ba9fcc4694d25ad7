from django import forms

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR
from orders.services import ShipLine


class ShipOrderForm(forms.Form):
    """The admin's ship page; the same rules as the API's ship serializer. One quantity per
    item still to ship, each at first all that remains: lowering some ships a subset, and a
    quantity left out ships all that remains of its item."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    tracking_number = forms.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = [item for item in items if item.remaining_quantity]
        for item in self.items:
            self.fields[self.quantity_field(item)] = forms.IntegerField(
                label=f"{item.product.name} ({item.product.sku}): "
                f"{item.remaining_quantity} of {item.quantity} to ship",
                min_value=0,
                max_value=item.remaining_quantity,
                initial=item.remaining_quantity,
                required=False,
            )

    @staticmethod
    def quantity_field(item) -> str:
        return f"quantity_{item.pk}"

    def clean(self):
        cleaned = super().clean()
        # Form.clean() returns cleaned_data; the stubs allow an override's None.
        if self.items and not any(self._quantity(item, self.cleaned_data) for item in self.items):
            raise forms.ValidationError("Ship at least one unit.")
        return cleaned

    def _quantity(self, item, cleaned: dict) -> int:
        quantity = cleaned.get(self.quantity_field(item))
        return item.remaining_quantity if quantity is None else quantity

    def lines(self) -> list[ShipLine] | None:
        """The parcel's lines: the items given a quantity; None when nothing remains (the
        service then refuses the ship as it would through the API)."""
        if not self.items:
            return None
        quantities = [(item, self._quantity(item, self.cleaned_data)) for item in self.items]
        return [ShipLine(item_id=item.pk, quantity=n) for item, n in quantities if n]


class BulkShipForm(forms.Form):
    """The admin's "Ship selected orders" page: one tracking number per order, one carrier;
    each order's parcel carries everything it has left to ship."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    notify_customer = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, orders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.orders = list(orders)
        for order in self.orders:
            remaining = ", ".join(
                f"{item.remaining_quantity} x {item.product.sku}"
                for item in order.items.all()
                if item.remaining_quantity
            )
            self.fields[self.tracking_field(order)] = forms.CharField(
                label=f"Tracking number for {order.number}",
                max_length=40,
                validators=[TRACKING_NUMBER_VALIDATOR],
                help_text=f"Ships what remains: {remaining or 'nothing'}.",
            )

    @staticmethod
    def tracking_field(order) -> str:
        return f"tracking_{order.pk}"

    def tracking_fields(self):
        return [self[self.tracking_field(order)] for order in self.orders]
