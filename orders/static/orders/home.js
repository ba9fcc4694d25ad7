// The order list ("Recent orders" for staff, "My orders" for a customer): new orders appear at
// the top as they are placed and each row's status follows its order, from the ws/orders/ feed
// (every order for staff, a customer's own orders otherwise), without a reload.
import { watchOrders } from "../notifications/order-feed.js";

const script = document.getElementById("home-script");
const { after, limit, trackUrl } = script.dataset;
const table = document.getElementById("orders");
const rows = table.querySelector("tbody");
const empty = document.getElementById("no-orders");
const liveStatus = document.getElementById("live-status");
const rowTemplate = document.getElementById("order-row-template");
// OrderStatus' labels, as the server renders them.
const statusLabels = JSON.parse(document.getElementById("status-labels").textContent);

function setStatus(row, status) {
  const badge = row.querySelector(".order-status");
  badge.textContent = statusLabels[status] ?? status;
  badge.className = `order-status badge badge-${status}`;
}

// A row as order_row.html renders it; the date is the text the server formats for the event
// (created_at_display, in the shop's time zone and format), never the browser's locale.
function addRow(event) {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  row.dataset.orderId = event.order_id;
  row.querySelector('td[data-label="Order"]').textContent = event.order_number;
  row.querySelector('td[data-label="Placed"]').textContent = event.created_at_display;
  row.querySelector(".order-link-number").textContent = event.order_number;
  // The page renders the tracking URL of order 0; each row's is the same with its id.
  row.querySelector(".order-link").href = trackUrl.replace("/0/", `/${event.order_id}/`);
  rows.prepend(row);
  while (rows.children.length > Number(limit)) rows.lastElementChild.remove();
  table.hidden = false;
  empty.hidden = true;
  return row;
}

// Events arrive once each, in feed order: the last one's status is the order's. A row rendered
// after the page's cursor was read may hear an event it already shows; applying it again is
// harmless. Events of an order older than the list (not on the page) are ignored.
function showEvent(event) {
  let row = rows.querySelector(`tr[data-order-id="${event.order_id}"]`);
  if (!row && event.type !== "order.placed") return;
  const isNew = !row;
  row ??= addRow(event);
  setStatus(row, event.status);
  const status = statusLabels[event.status] ?? event.status;
  liveStatus.textContent = isNew
    ? `New order ${event.order_number}.`
    : `Order ${event.order_number} is now ${status.toLowerCase()}.`;
}

const scheme = location.protocol === "https:" ? "wss" : "ws";
watchOrders({
  url: `${scheme}://${location.host}/ws/orders/`,
  after: Number(after),
  onEvent: showEvent,
  onStatus: (state) => {
    if (state === "open") liveStatus.textContent = "Live updates: on.";
    if (state === "reconnecting") liveStatus.textContent = "Live updates: reconnecting…";
  },
});
