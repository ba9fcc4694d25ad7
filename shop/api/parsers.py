"""The API's request parsers: DRF's, with every unparseable body a 400.

DRF's JSON parser turns a ``ValueError`` (invalid JSON or UTF-8, NaN, 5000-digit integers)
into a 400, but JSON nested a few thousand levels deep, well inside the body size limit,
exhausts the decoder's recursion limit and raised a ``RecursionError``: a 500.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
