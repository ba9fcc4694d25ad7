"""The admin's retry action leaves sent rows alone and says how many it skipped."""

import pytest
from django.urls import reverse

from notifications.models import EmailLog
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "changelist", "queued", "skipped"),
    [
        (
            EmailLog,
            "admin:notifications_emaillog_changelist",
            "0 email(s) queued",
            "1 skipped: only failed emails with a recipient are retried.",
        ),
        (
            WarehouseNotice,
            "admin:warehouse_warehousenotice_changelist",
            "0 notice(s) queued",
            "1 skipped: only failed notices are retried.",
        ),
    ],
)
def test_a_sent_row_is_skipped_not_sent_again(
    admin_client, shipped_order, model, changelist, queued, skipped
):
    row = model.objects.get()
    assert (row.status, row.attempts) == ("sent", 1)

    response = admin_client.post(
        reverse(changelist), {"action": "retry", "_selected_action": [row.pk]}, follow=True
    )

    assert queued in response.text
    assert skipped in response.text
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
