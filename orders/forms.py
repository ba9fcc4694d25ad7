from django import forms
from rest_framework import serializers

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR
from orders.serializers import MAX_ITEMS_PER_ORDER, MAX_QUANTITY, printable
from orders.services import OrderLine, ShipLine

QUANTITY_PREFIX = "quantity_"


class CatalogueOrderForm(forms.Form):
    """The catalogue page's order: a quantity per product (0 or empty: not ordered) and the
    shipping address, with the API's limits. ``place_order`` checks the rest."""

    shipping_address = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for product in self.products:
            self.fields[f"{QUANTITY_PREFIX}{product.pk}"] = forms.IntegerField(
                label=product.name, min_value=0, max_value=MAX_QUANTITY, required=False
            )

    def quantity_fields(self):
        return [(self[f"{QUANTITY_PREFIX}{p.pk}"], p) for p in self.products]

    def clean_shipping_address(self) -> str:
        # Browsers send a textarea's line breaks as CRLF; the API's addresses have LF.
        address = self.cleaned_data["shipping_address"].replace("\r\n", "\n")
        try:
            printable(address)
        except serializers.ValidationError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return address

    def clean(self):
        cleaned = super().clean()
        # A product taken off the catalogue since the page was shown has no field any more:
        # refuse rather than place the order without it.
        known = set(self.fields)
        if any(
            name.startswith(QUANTITY_PREFIX)
            and name not in known
            and value.strip() not in {"", "0"}
            for name, value in self.data.items()
        ):
            raise forms.ValidationError(
                "A product you chose is no longer available: check the list and order again."
            )
        lines = self.lines()
        if not lines and not any(name.startswith(QUANTITY_PREFIX) for name in self.errors):
            raise forms.ValidationError("Choose a quantity of at least one product.")
        if len(lines) > MAX_ITEMS_PER_ORDER:
            raise forms.ValidationError(f"Order at most {MAX_ITEMS_PER_ORDER} products at once.")
        return cleaned

    def lines(self) -> list[OrderLine]:
        """The order's lines: every product given a quantity above 0."""
        quantities = ((p, self.cleaned_data.get(f"{QUANTITY_PREFIX}{p.pk}")) for p in self.products)
        return [OrderLine(product_id=p.pk, quantity=n) for p, n in quantities if n]


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
