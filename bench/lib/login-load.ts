// The saturating sign-in load of the "me under login load" scenario, in a process of its own:
// sharing the measuring process's event loop with it added the client's own delays to every
// `me` latency. Usage: login-load.ts <url> <seconds> <connections>; prints autocannon's totals.
import autocannon from "autocannon";
import { PASSWORD, body, usernameOf } from "./shared.js";

const [url = "", seconds = "5", connections = "10"] = process.argv.slice(2);
let counter = 0;
const result = await autocannon({
  url,
  method: "POST",
  headers: { "content-type": "application/json" },
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: "POST",
      setupRequest: (request) => ({
        ...request,
        body: body("tokenAuth", {
          username: usernameOf(100 + (counter++ % 500)),
          password: PASSWORD,
        }),
      }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({ requests: result.requests.total, non2xx: result.non2xx })}\n`,
);
