"""Domain errors raised by the order services; the API maps them to HTTP status codes."""


class OrderError(Exception):
    """Base class for errors a caller can act on."""


class InvalidTransition(OrderError):
    """The order's current status does not allow the requested change (HTTP 409)."""

    def __init__(self, *, order_number: str, status: str, action: str) -> None:
        self.order_number = order_number
        self.status = status
        self.action = action
        super().__init__(f"Order {order_number} is {status} and cannot be {action}.")
