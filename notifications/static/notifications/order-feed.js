// Watch order events over the websocket API, reconnecting with catch-up.
//
//   import { watchOrders } from "/static/notifications/order-feed.js";
//   const feed = watchOrders({
//     url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/orders/42/`,
//     onEvent: (event) => console.log(event.type, event.status),
//   });
//   feed.close();  // stop for good
//
// Browsers authenticate with the session cookie. Every event is delivered once and in feed
// order: `last` is the position of the last one delivered. An event whose `previous` is not
// `last` means a push was lost, and so does a `head` beyond `last`: ask with catch_up on the
// open socket and drop what was seen (position <= last). A reconnect asks with ?after=last.
// A page that rendered events already passes the last one's position as `after`.

// The server is up but cannot serve yet (docs/websockets.md): keep backing off.
const TRY_AGAIN_LATER = 1013;

export function watchOrders({ url, onEvent, onStatus = () => {}, after = 0, socketOptions }) {
  let last = after;
  let catchingUp = false; // a replay is on its way; it ends with a head frame
  let delay = 1000;
  let socket = null;
  let closed = false;
  let timer = null;

  function catchUp() {
    if (catchingUp) return;
    catchingUp = true;
    socket.send(JSON.stringify({ type: "catch_up", after: last }));
  }

  function connect() {
    const backoff = delay;
    socket = new WebSocket(`${url}?after=${last}`, socketOptions);
    catchingUp = true;
    socket.onopen = () => {
      delay = 1000;
      onStatus("open");
    };
    socket.onmessage = (frame) => {
      const message = JSON.parse(frame.data);
      if (message.type === "error") {
        console.warn("order feed:", message.detail);
      } else if (message.type === "head") {
        catchingUp = false;
        if (message.position > last) catchUp();
      } else if ("position" in message && message.position > last) {
        // An order event: order.placed, order.shipped, shipment.updated, order.delivered...
        if (message.previous > last) {
          catchUp(); // the replay brings this one too, after the one that is missing
        } else {
          last = message.position;
          onEvent(message);
        }
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
