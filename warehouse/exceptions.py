"""Domain errors of the warehouse app."""


class AlreadyAcknowledged(Exception):
    """The notice was acknowledged before (HTTP 409)."""
