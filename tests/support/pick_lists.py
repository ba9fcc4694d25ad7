"""Read the admin ship pages' pick lists (orders/templates/admin/orders/order/pick_list.html)."""

import re

ROW = re.compile(r"<tr.*?>(.*?)</tr>", re.S)
CELL = re.compile(r"<td.*?>(.*?)</td>", re.S)
QUANTITY = re.compile(r'<input type="number"[^>]*value="(\d+)"')


def pick_lists(page: str) -> list[list[list[str]]]:
    """Each pick list on the page, as its rows, each row as the texts of its cells: product,
    SKU, ordered, shipped, remaining, and the "quantity to ship" field's value."""
    bodies = re.findall(r'<div class="module pick-list">.*?<tbody>(.*?)</tbody>', page, re.S)
    return [[_row(row) for row in ROW.findall(body)] for body in bodies]


def _row(row: str) -> list[str]:
    texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(row)]
    value = QUANTITY.search(row)
    return [*texts[:-1], value.group(1) if value else texts[-1]]
