// The warehouse board: live notices over ws/warehouse/, acknowledged through the REST API.
// Rows are keyed by notice id: live messages and API answers upsert them, in any order.
const table = document.getElementById("notices");
const rows = table.querySelector("tbody");
const canAcknowledge = table.dataset.canAcknowledge === "true";
const empty = document.getElementById("empty");
const liveStatus = document.getElementById("live-status");
const csrfToken = document.querySelector("#csrf [name=csrfmiddlewaretoken]").value;
const statusLabels = {
  pending: "Pending",
  sent: "Sent",
  failed: "Failed",
  acknowledged: "Acknowledged",
};

// A cell; its label heads it when a phone stacks the table (site.css, td[data-label]).
function cell(label, ...children) {
  const td = document.createElement("td");
  if (label) td.dataset.label = label;
  td.append(...children);
  return td;
}

// Acknowledged is final: a message about the notice that arrives later (its "sent", pushed by
// the worker, may cross the acknowledgement) must not bring the row back.
const acknowledged = new Set();

function render(notice) {
  if (acknowledged.has(notice.notice_id)) return;
  let row = rows.querySelector(`tr[data-notice-id="${notice.notice_id}"]`);
  if (notice.status === "acknowledged") {
    acknowledged.add(notice.notice_id);
    row?.remove();
    liveStatus.textContent = `Order ${notice.order_number} acknowledged by ${notice.acknowledged_by}.`;
  } else {
    const isNew = !row;
    row ??= document.createElement("tr");
    row.dataset.noticeId = notice.notice_id;
    const items = document.createElement("ul");
    for (const item of notice.items) {
      const li = document.createElement("li");
      li.textContent = `${item.quantity} × ${item.name} (${item.sku})`;
      items.append(li);
    }
    const badge = document.createElement("span");
    badge.className = `badge badge-${notice.status}`;
    badge.textContent = statusLabels[notice.status] ?? notice.status;
    const action = cell(null);
    if (canAcknowledge) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.acknowledge = "";
      button.textContent = "Acknowledge";
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = ` order ${notice.order_number}`;
      button.append(label);
      action.append(button);
    }
    row.replaceChildren(
      cell("Order", notice.order_number),
      cell("Pack", items),
      cell("Carrier", `${notice.carrier.toUpperCase()} ${notice.tracking_number}`),
      cell("Status", badge),
      action,
    );
    if (isNew) {
      rows.append(row);
      liveStatus.textContent = `New notice: order ${notice.order_number}.`;
    }
  }
  empty.hidden = rows.children.length > 0;
}

// The API shape of a notice, as the websocket sends it.
function fromApi(notice) {
  return { ...notice, notice_id: notice.id };
}

async function acknowledge(button) {
  const row = button.closest("tr");
  button.disabled = true;
  const response = await fetch(`/api/warehouse/notices/${row.dataset.noticeId}/acknowledge/`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    credentials: "same-origin",
  });
  const body = await response.json();
  if (response.ok) {
    render(fromApi(body));
  } else {
    button.disabled = false;
    liveStatus.textContent = `Could not acknowledge: ${body.detail ?? response.status}`;
  }
}

rows.addEventListener("click", (click) => {
  const button = click.target.closest("button[data-acknowledge]");
  if (button) acknowledge(button);
});

// After (re)connecting, read the open notices so nothing missed while offline stays hidden.
async function reconcile() {
  for (const status of ["pending", "sent", "failed"]) {
    let url = `/api/warehouse/notices/?status=${status}`;
    while (url) {
      const page = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
      page.results.forEach((notice) => render(fromApi(notice)));
      url = page.next;
    }
  }
}

let delay = 1000;
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/warehouse/`);
  socket.onopen = () => {
    delay = 1000;
    liveStatus.textContent = "Live updates: on.";
    reconcile();
  };
  socket.onmessage = (frame) => {
    const message = JSON.parse(frame.data);
    if (message.type === "warehouse.notice") render(message);
  };
  socket.onclose = () => {
    liveStatus.textContent = "Live updates: reconnecting…";
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  };
}
connect();
