"""The API's renderers: DRF's, with two fixes.

JSON gets a newline after each body: a body that ends without one leaves a terminal's prompt
glued to it after ``curl``, and breaks tools that read JSON lines. Only the bytes change: a
JSON parser skips the whitespace.

The browsable API builds its forms from the view's serializer only (below).
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


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's, with every form built from the view's serializer, never the response's.

    After a POST, DRF builds the form from the serializer of the response when it has one. An
    action whose input and answer differ (ship takes a carrier and answers with the order)
    would then show a form of the order's fields. Data from another serializer than the
    view's is not used for the form; the view's own (an update's instance) still is.
    """

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        serializer = getattr(data, "serializer", None)
        own = getattr(view, "get_serializer_class", None)
        if serializer is not None and own is not None and not isinstance(serializer, own()):
            data = None
        return super().get_rendered_html_form(data, view, method, request)
