"""``ws/warehouse/``: the live feed of warehouse notices, for warehouse staff."""

import json
from typing import Any

from channels.db import database_sync_to_async

from shop.api.consumers import BaseConsumer
from warehouse.permissions import VIEW_NOTICES
from warehouse.push import WAREHOUSE_CHANNEL_GROUP


class WarehouseConsumer(BaseConsumer):
    """Relays what ``warehouse.push`` sends: one message per new or acknowledged notice.

    Messages are keyed by ``notice_id``; clients upsert them. There is no ``?after=``: on
    (re)connect a client reads the current notices from ``GET /api/warehouse/notices/`` after
    the socket is open, so nothing is missed.
    """

    async def subscribe(self) -> tuple[str, ...] | None:
        allowed = self.user.is_staff and await database_sync_to_async(self.user.has_perm)(
            VIEW_NOTICES
        )
        return (WAREHOUSE_CHANNEL_GROUP,) if allowed else None

    async def warehouse_notice(self, message: dict[str, Any]) -> None:
        await self.send_json(message)

    def handle_now(self, message: dict[str, Any], texts: dict[Any, bytes]) -> bool:
        """``warehouse_notice`` in the layer's fan-out: one text for every warehouse socket."""
        if message["type"] != "warehouse.notice":
            return False
        text = texts.get("notice")
        if text is None:
            text = texts["notice"] = json.dumps(message).encode()
        return self.send_now(text)
