"""The catalogue page's form (``orders.pages.catalogue``): what the customer orders, with the
same limits as ``POST /api/orders/``."""

from django import forms
from rest_framework import serializers

from orders.serializers import MAX_ITEMS_PER_ORDER, MAX_QUANTITY, printable
from orders.services import OrderLine

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
