import { Hono } from "hono";
import type { Env } from "./env.js";
import { downloadRoute } from "./http/routes/download.js";
import { explainRoute } from "./http/routes/explain.js";
import { repoMirrorListRoute } from "./http/routes/repo-mirrorlist.js";
import { healthRoute } from "./http/routes/health.js";
import { liveScriptRoute, metricsRoute, mirrorPageRoute, statsJsonRoute, statusJsonRoute, statusPageRoute } from "./http/routes/status.js";
import { canonicalisePath } from "./core/path.js";
import { originUrl, redirectResponse, textError } from "./http/responses.js";

export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  // Hono answers HEAD from the GET handlers with the same headers and no body.
  app.get("/_mirrorhop/health", healthRoute);
  app.get("/_mirrorhop/explain/*", explainRoute);
  app.get("/_mirrorhop/status", statusPageRoute);
  app.get("/_mirrorhop/live.js", liveScriptRoute);
  app.get("/_mirrorhop/status/:name", mirrorPageRoute);
  app.get("/_mirrorhop/api/status", statusJsonRoute);
  app.get("/_mirrorhop/metrics", metricsRoute);
  app.get("/_mirrorhop/api/stats", statsJsonRoute);
  app.get("/_mirrorhop/mirrorlist/*", repoMirrorListRoute);
  app.get("/_mirrorhop/*", (c) => textError(404, `not found: ${new URL(c.req.url).pathname}`));
  app.get("*", downloadRoute);
  app.all("*", (c) => textError(405, `method ${c.req.method} not allowed; use GET or HEAD`, { Allow: "GET, HEAD" }));
  app.onError((err, c) => {
    // A bug must not cost a download: log it and send the client to the origin.
    console.error("mirrorhop: unhandled error", err);
    const canon = canonicalisePath(new URL(c.req.url).pathname);
    if (canon.ok && !canon.isDirectory && !canon.path.startsWith("_mirrorhop/")) {
      return redirectResponse({ location: originUrl(c.env.ORIGIN_URL, canon.path), mirror: "origin", tier: "error", selfUrl: "", maxLinks: 0 });
    }
    return textError(500, "internal error");
  });
  return app;
}
