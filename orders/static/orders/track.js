// The tracking page: apply live order events to the server-rendered page, no reload.
import { watchOrders } from "../notifications/order-feed.js";

const { orderId, after } = document.getElementById("track-script").dataset;
const timeline = document.getElementById("timeline");
const liveStatus = document.getElementById("live-status");
const statusLabels = { placed: "Placed", shipped: "Shipped", cancelled: "Cancelled" };
const carrierNames = JSON.parse(document.getElementById("carrier-names").textContent);

function showEvent(event) {
  const status = document.getElementById("order-status");
  status.textContent = statusLabels[event.status] ?? event.status;
  status.className = `badge badge-${event.status}`;
  if (event.type === "order.shipped") {
    document.getElementById("shipment-carrier").textContent =
      carrierNames[event.carrier] ?? event.carrier;
    document.getElementById("shipment-tracking-number").textContent = event.tracking_number;
    document.getElementById("tracking-link").href = event.tracking_url;
    document.getElementById("shipment").hidden = false;
  }
  const entry = document.createElement("li");
  entry.dataset.position = event.position;
  const when = document.createElement("time");
  const at = new Date(event.shipped_at ?? Date.now());
  when.dateTime = at.toISOString();
  when.textContent = at.toLocaleString();
  entry.append(`${statusLabels[event.status] ?? event.status} `, when);
  timeline.append(entry);
  liveStatus.textContent = `Order ${event.order_number} is now ${status.textContent.toLowerCase()}.`;
}

const scheme = location.protocol === "https:" ? "wss" : "ws";
watchOrders({
  url: `${scheme}://${location.host}/ws/orders/${orderId}/`,
  after: Number(after),
  onEvent: showEvent,
  onStatus: (state) => {
    if (state === "open") liveStatus.textContent = "Live updates: on.";
    if (state === "reconnecting") liveStatus.textContent = "Live updates: reconnecting…";
  },
});
