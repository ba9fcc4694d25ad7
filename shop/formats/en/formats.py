"""English: day, short month, year and the 24-hour time, "22 Nov 2026, 23:51".

``DATETIME_FORMAT`` is the one date format of the customer and warehouse pages, and of the
``*_display`` fields of the websocket messages (``shop.api.timestamps``); the admin uses it too.
"""

DATETIME_FORMAT = "j M Y, H:i"
