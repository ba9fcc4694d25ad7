// The tracking page: apply live order events to the server-rendered page, no reload.
import { watchOrders } from "../notifications/order-feed.js";

const { orderId, after } = document.getElementById("track-script").dataset;
const timeline = document.getElementById("timeline");
const liveStatus = document.getElementById("live-status");
const statusLabels = {
  placed: "Placed",
  partially_shipped: "Partially shipped",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
};
const parcelLabels = {
  shipped: "Shipped",
  in_transit: "In transit",
  out_for_delivery: "Out for delivery",
  delivered: "Delivered",
  exception: "Exception",
};
// The timeline labels events by type, as the server does (OrderEvent's type labels).
const typeLabels = {
  "order.placed": "Placed",
  "order.shipped": "Shipped",
  "shipment.updated": "Parcel update",
  "order.delivered": "Delivered",
  "order.cancelled": "Cancelled",
};
const steps = ["shipped", "in_transit", "out_for_delivery", "delivered"];
// A <time> as the server renders it: the message carries the ISO instant and the text in the
// shop's time zone and format (docs/websockets.md), never the browser's locale.
function timeElement(iso, text) {
  const when = document.createElement("time");
  when.dateTime = iso;
  when.textContent = text;
  return when;
}

const carrierNames = JSON.parse(document.getElementById("carrier-names").textContent);
const itemNames = JSON.parse(document.getElementById("item-names").textContent);

// Fill the progress bar up to the parcel's status; an exception keeps what was reached.
function showProgress(parcel, status) {
  const reached = steps.indexOf(status);
  if (reached < 0) return;
  parcel.querySelectorAll(".progress li").forEach((step, index) => {
    step.classList.toggle("reached", index <= reached);
  });
}

function setParcelStatus(parcel, status) {
  parcel.dataset.status = status;
  const badge = parcel.querySelector(".parcel-status");
  badge.textContent = parcelLabels[status] ?? status;
  badge.className = `parcel-status badge badge-${status}`;
  showProgress(parcel, status);
}

function addParcel(event) {
  if (document.querySelector(`.parcel[data-shipment-id="${event.shipment_id}"]`)) return;
  const parcel = document.getElementById("parcel-template").content.firstElementChild.cloneNode(true);
  parcel.dataset.shipmentId = event.shipment_id;
  parcel.querySelector(".parcel-carrier").textContent = carrierNames[event.carrier] ?? event.carrier;
  const link = parcel.querySelector(".parcel-link");
  link.textContent = event.tracking_number;
  link.href = event.tracking_url;
  const lines = parcel.querySelector(".parcel-lines");
  for (const line of event.lines) {
    const entry = document.createElement("li");
    entry.textContent = `${line.quantity} × ${itemNames[line.item] ?? line.sku}`;
    lines.append(entry);
    const shipped = document.getElementById(`item-${line.item}-shipped`);
    if (shipped) shipped.textContent = Number(shipped.textContent) + line.quantity;
  }
  setParcelStatus(parcel, "shipped");
  document.getElementById("parcels").append(parcel);
  document.getElementById("parcels").hidden = false;
}

function updateParcel(event) {
  const parcel = document.querySelector(`.parcel[data-shipment-id="${event.shipment_id}"]`);
  if (!parcel) return;
  setParcelStatus(parcel, event.shipment_status);
  const entry = document.createElement("li");
  const where = event.location ? `, ${event.location}` : "";
  entry.append(
    `${parcelLabels[event.shipment_status] ?? event.shipment_status}${where} `,
    timeElement(event.occurred_at, event.occurred_at_display),
  );
  parcel.querySelector(".parcel-events").append(entry);
}

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
    addParcel(event);
  }
  if (event.type === "shipment.updated") updateParcel(event);
  const entry = document.createElement("li");
  entry.dataset.position = event.position;
  const label = typeLabels[event.type] ?? event.type;
  entry.append(`${label} `, timeElement(event.created_at, event.created_at_display));
  timeline.append(entry);
  liveStatus.textContent = `Order ${event.order_number} is now ${status.textContent.toLowerCase()}.`;
}

document.querySelectorAll("#parcels .parcel").forEach((parcel) => {
  showProgress(parcel, parcel.dataset.status === "exception" ? "in_transit" : parcel.dataset.status);
});

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
