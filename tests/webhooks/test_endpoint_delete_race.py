"""Deleting an endpoint while a task creates one of its deliveries never fails the delete.

Django's delete collects the endpoint's deliveries, deletes them, then the endpoint; the
foreign key is checked at commit. A delivery another connection commits in between (the
fuzzer met it: a task creating an order's deliveries) would fail that commit with an
IntegrityError, a 500. The endpoint's row is locked first, so the other commit waits for the
delete and fails instead. The other connection commits from the delete's ``pre_delete``
signal, which Django sends after collecting and before deleting: exactly that moment.
"""

import threading

import pytest
from django.db import IntegrityError, connections
from django.db.models.signals import pre_delete

from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

OTHER_COMMIT_WAIT = 2.0  # seconds the delete waits for the other commit before going on


def test_a_delivery_committed_during_the_delete_does_not_fail_it(register, webhook_receiver):
    endpoint, _secret = register(webhook_receiver)
    services.create_test_delivery(endpoint_id=endpoint.pk)
    outcome: list[object] = []

    def create_delivery_elsewhere() -> None:
        try:
            services.create_test_delivery(endpoint_id=endpoint.pk)
            outcome.append("committed")
        except (IntegrityError, Endpoint.DoesNotExist) as exc:
            outcome.append(exc)
        finally:
            connections.close_all()

    def meanwhile(sender, instance, **kwargs) -> None:
        other = threading.Thread(target=create_delivery_elsewhere)
        other.start()
        other.join(OTHER_COMMIT_WAIT)  # blocked by the endpoint's lock: go on and commit
        threads.append(other)

    threads: list[threading.Thread] = []
    pre_delete.connect(meanwhile, sender=Endpoint, dispatch_uid="test.delete_race")
    try:
        services.delete_endpoint(endpoint_id=endpoint.pk)
    finally:
        pre_delete.disconnect(sender=Endpoint, dispatch_uid="test.delete_race")
    for thread in threads:
        thread.join(10)

    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert not Delivery.objects.filter(endpoint_id=endpoint.pk).exists()
    [other] = outcome
    assert isinstance(other, IntegrityError | Endpoint.DoesNotExist), other
