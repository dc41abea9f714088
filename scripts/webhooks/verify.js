// Verifies webhook deliveries with the npm Standard Webhooks library, as a receiver written in Node would.
// Reads one JSON object from stdin: {"secret": "whsec_...", "messages": [{"headers": {...}, "body": "..."}]}
// and prints one JSON array: for each message, {"ok": true, "payload": ...} or {"ok": false, "error": "..."}.
"use strict";
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { secret, messages } = JSON.parse(input);
  const webhook = new Webhook(secret);
  const results = messages.map(({ headers, body }) => {
    try {
      return { ok: true, payload: webhook.verify(body, headers) };
    } catch (error) {
      return { ok: false, error: String(error && error.message ? error.message : error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
