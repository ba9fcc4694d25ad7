"""Endpoint secrets and Standard Webhooks signatures, made with the ``standardwebhooks`` package.

A secret is ``whsec_`` and 32 random bytes in base64, the format the specification and its
libraries read. During a rotation's overlap both secrets sign, so the ``webhook-signature``
header carries two ``v1,`` signatures and a receiver holding either one verifies it.
"""

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(
    *, webhook_id: str, timestamp: datetime, body: str, secrets_: list[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt, signed with every secret given."""
    signatures = [
        Webhook(secret).sign(msg_id=webhook_id, timestamp=timestamp, data=body)
        for secret in secrets_
    ]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
