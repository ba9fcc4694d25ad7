"""Signals the orders app sends. Receivers live in the apps that consume them.

All three are sent with ``send_robust`` after the transaction that recorded the event has
committed (see ``orders.dispatch``), with ``sender=Order``. Receivers must be idempotent: an
event whose dispatch partly failed is sent again by ``orders.tasks.redispatch_pending_events``.

``Signal(providing_args=...)`` was removed in Django 4.0; the arguments are documented here.
"""

from django.dispatch import Signal

order_placed = Signal()
"""A customer placed an order. Arguments: ``order`` (Order), ``event`` (OrderEvent)."""

order_shipped = Signal()
"""Staff shipped an order. Arguments: ``order`` (Order), ``shipment`` (Shipment),
``event`` (OrderEvent, type ``shipped``, whose payload carries the tracking data)."""

order_cancelled = Signal()
"""An order was cancelled. Arguments: ``order`` (Order), ``event`` (OrderEvent)."""
