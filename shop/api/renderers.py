"""The API's JSON renderer: DRF's, with a newline after each body.

A body that ends without one leaves a terminal's prompt glued to it after ``curl``, and
breaks tools that read JSON lines. Only the bytes change: a JSON parser skips the whitespace.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        body = super().render(data, accepted_media_type, renderer_context)
        return body + b"\n" if body else body
