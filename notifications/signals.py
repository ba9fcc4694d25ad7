"""Signals the notifications app sends.

``websocket_event`` is sent (with ``asend_robust``) by the websocket consumers on connect,
disconnect, every client message and every heartbeat (``LiveWatcher.HEARTBEAT_SECONDS``).
Arguments: ``event`` ("connect", "disconnect", "message" or "heartbeat"), ``data`` (dict: the
subscription on connect, the close code on disconnect, the parsed frame for a message, empty
for a heartbeat), ``user``, ``path`` and ``channel_name``. Receivers may be sync or
async; a failing receiver is logged and never breaks the connection.
"""

from django.dispatch import Signal

websocket_event = Signal()
