/** The throughput baseline: a Hono Worker that answers every GET with one constant redirect. */
import { Hono } from "hono";

const app = new Hono();
app.get("*", (c) => c.redirect("https://mirror.example/pub/releases/1.0/foo.iso", 302));

export default { fetch: app.fetch };
