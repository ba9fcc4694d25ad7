// Runs docs/websockets.md's JavaScript client under Node: prints events as JSON lines and
// exits after the given count. Usage: node --experimental-websocket watch_orders.mjs URL COUNT
// with the session cookie in ORDER_FEED_COOKIE and the page origin in ORDER_FEED_ORIGIN.
import { watchOrders } from "../../../notifications/static/notifications/order-feed.js";

const [url, count] = process.argv.slice(2);
let received = 0;
const feed = watchOrders({
  url,
  socketOptions: {
    headers: { Cookie: process.env.ORDER_FEED_COOKIE, Origin: process.env.ORDER_FEED_ORIGIN },
  },
  onStatus: (status) => console.error(`status: ${status}`),
  onEvent: (event) => {
    console.log(JSON.stringify(event));
    received += 1;
    if (received >= Number(count)) {
      feed.close();
    }
  },
});
setTimeout(() => {
  console.error("timed out");
  process.exit(2);
}, 30000).unref();
