// Watch order events over the websocket API, reconnecting with catch-up.
//
//   import { watchOrders } from "/static/notifications/order-feed.js";
//   const feed = watchOrders({
//     url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/orders/42/`,
//     onEvent: (event) => console.log(event.type, event.status),
//   });
//   feed.close();  // stop for good
//
// Browsers authenticate with the session cookie. Every event is delivered once: ids already
// seen are dropped, and a reconnect asks for what was missed with ?after=. A page that
// rendered some events already passes their ids as knownEventIds.

// Event ids are allocated at insert, not at commit, so on the all-orders feed a lower id can
// become visible just after a higher one: ask again from a little earlier; duplicates drop.
const CATCH_UP_OVERLAP = 50;
// The server is up but cannot serve yet (docs/websockets.md): keep backing off.
const TRY_AGAIN_LATER = 1013;

export function watchOrders({
  url,
  onEvent,
  onStatus = () => {},
  knownEventIds = [],
  socketOptions,
}) {
  const seen = new Set(knownEventIds);
  let highest = Math.max(0, ...knownEventIds);
  let delay = 1000;
  let socket = null;
  let closed = false;
  let timer = null;

  function connect() {
    const backoff = delay;
    const after = Math.max(highest - CATCH_UP_OVERLAP, 0);
    socket = new WebSocket(`${url}?after=${after}`, socketOptions);
    socket.onopen = () => {
      delay = 1000;
      onStatus("open");
    };
    socket.onmessage = (frame) => {
      const message = JSON.parse(frame.data);
      if (message.type === "error") {
        console.warn("order feed:", message.detail);
      } else if (message.type.startsWith("order.") && !seen.has(message.event_id)) {
        seen.add(message.event_id);
        highest = Math.max(highest, message.event_id);
        onEvent(message);
      }
    };
    socket.onclose = (event) => {
      if (closed) return;
      if (event.code === TRY_AGAIN_LATER) delay = backoff;
      onStatus("reconnecting");
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket.close();
      onStatus("closed");
    },
  };
}
