"""Signals the websocket base consumer sends.

``websocket_event`` is sent (with ``asend_robust``) by every websocket consumer on connect,
disconnect, every client message and every heartbeat (``consumers.HEARTBEAT_SECONDS``).
Arguments: ``event`` ("connect", "disconnect", "message" or "heartbeat"), ``data`` (dict: the
subscription on connect, the close code on disconnect, the parsed frame for a message, empty
for a heartbeat), ``user``, ``path`` and ``channel_name``. Receivers may be sync or async; a
failing receiver is logged by Django and never breaks the connection.
"""

from django.dispatch import Signal

websocket_event = Signal()
