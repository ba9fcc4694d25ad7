from django import forms

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR


class ShipOrderForm(forms.Form):
    """The admin's ship page; the same rules as the API's ship serializer."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    tracking_number = forms.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = forms.BooleanField(required=False, initial=True)


class BulkShipForm(forms.Form):
    """The admin's "Ship selected orders" page: one tracking number per order, one carrier."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    notify_customer = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, orders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.orders = list(orders)
        for order in self.orders:
            self.fields[self.tracking_field(order)] = forms.CharField(
                label=f"Tracking number for {order.number}",
                max_length=40,
                validators=[TRACKING_NUMBER_VALIDATOR],
            )

    @staticmethod
    def tracking_field(order) -> str:
        return f"tracking_{order.pk}"

    def tracking_fields(self):
        return [self[self.tracking_field(order)] for order in self.orders]
