"""docs/webhooks.md's Node.js verification, run as written against real deliveries: it
accepts what the shop signed (with either secret during a rotation) and refuses a changed
body, a wrong secret and an old timestamp."""

import json
import re
import shutil
import subprocess

import pytest

from tests.support.live_services import BASE_DIR

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")

DRIVER = """
import { verifyWebhook } from "./verify.mjs";
const input = JSON.parse(await new Response(process.stdin).text());
const headers = Object.fromEntries(
  Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]));
try {
  console.log(JSON.stringify({ ok: verifyWebhook(input.secret, headers, input.body) }));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
}
"""


@pytest.fixture(scope="module")
def node_verify(tmp_path_factory):
    """Run the documented ``verifyWebhook`` under Node with (secret, headers, body)."""
    docs = (BASE_DIR / "docs" / "webhooks.md").read_text()
    [code] = re.findall(r"```js\n(.*?)```", docs, flags=re.DOTALL)
    root = tmp_path_factory.mktemp("node")
    (root / "verify.mjs").write_text(code)
    (root / "driver.mjs").write_text(DRIVER)

    def verify(secret: str, headers: dict, body: str) -> dict:
        result = subprocess.run(
            ["node", "driver.mjs"],
            cwd=root,
            input=json.dumps({"secret": secret, "headers": headers, "body": body}),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return json.loads(result.stdout)

    return verify


@pytest.fixture
def delivered(endpoint, webhook_receiver, order, ship):
    ship(order)
    [received] = webhook_receiver.received
    assert received.verified
    return webhook_receiver.secret, received.headers, received.body.decode()


def test_node_verifies_a_delivery(node_verify, delivered):
    secret, headers, body = delivered
    assert node_verify(secret, headers, body)["ok"]["type"] == "order.shipped"


def test_node_refuses_a_changed_body_a_wrong_secret_and_an_old_timestamp(
    node_verify, delivered, register
):
    secret, headers, body = delivered
    other_secret = register("http://127.0.0.1:9/")[1]
    old = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 600)}

    assert node_verify(secret, headers, body.replace("shipped", "cancelled")) == {
        "error": "no matching signature"
    }
    assert node_verify(other_secret, headers, body) == {"error": "no matching signature"}
    assert node_verify(secret, old, body) == {"error": "timestamp too old or too new"}


def test_node_verifies_with_either_secret_during_a_rotation(
    node_verify, endpoint, webhook_receiver, integrator_client, order, ship
):
    old = webhook_receiver.secret
    new = integrator_client.post(f"/api/webhooks/endpoints/{endpoint.pk}/rotate-secret/").json()[
        "secret"
    ]
    ship(order)
    [received] = webhook_receiver.received
    for secret in (old, new):
        assert "ok" in node_verify(secret, received.headers, received.body.decode())
