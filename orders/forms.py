from django import forms

from orders.carriers import Carrier
from orders.models import TRACKING_NUMBER_VALIDATOR


class ShipOrderForm(forms.Form):
    """The admin's ship page; the same rules as the API's ship serializer."""

    carrier = forms.ChoiceField(choices=Carrier.choices)
    tracking_number = forms.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = forms.BooleanField(required=False, initial=True)
