/**
 * The status pages refresh in place: a small same-origin script re-fetches the page and swaps its
 * live part (`#live`), so an operator watching a release keeps scroll position and sees when the
 * data last changed. It is served from our own origin because the pages' CSP allows no inline
 * script; the markup it swaps is the page we render ourselves, already escaped.
 */

/** Seconds between refreshes unless the page says otherwise (`data-refresh`, or `?refresh=N`). */
export const DEFAULT_REFRESH_SECONDS = 60;
/** The fastest a page may ask for: each refresh is one status read. */
export const MIN_REFRESH_SECONDS = 2;
export const LIVE_SCRIPT_PATH = "/_mirrorhop/live.js";

/** The page's own markup for the live part and its script: `inner` is the part that refreshes. */
export function livePart(inner: string): string {
  return `<p><small id="refreshed" hidden></small></p>
<div id="live" data-refresh="${DEFAULT_REFRESH_SECONDS}">
${inner}
</div>`;
}

export const LIVE_SCRIPT_TAG = `<script src="${LIVE_SCRIPT_PATH}" defer></script>`;

export const LIVE_SCRIPT = `"use strict";
(() => {
  const live = document.getElementById("live");
  const note = document.getElementById("refreshed");
  if (!live || !note) return;
  const asked = Number(new URLSearchParams(location.search).get("refresh") || live.dataset.refresh || ${DEFAULT_REFRESH_SECONDS});
  if (asked === 0) return;
  const every = Math.max(${MIN_REFRESH_SECONDS}, Number.isFinite(asked) ? asked : ${DEFAULT_REFRESH_SECONDS});
  const clock = (d) => d.toTimeString().slice(0, 8);
  const say = (text, bad) => { note.hidden = false; note.textContent = text; note.className = bad ? "bad" : ""; };
  say("refreshes every " + every + " s while this tab is shown");
  let timer = 0;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(refresh, every * 1000); };
  async function refresh() {
    if (document.hidden) return schedule();
    try {
      const res = await fetch(location.href, { headers: { accept: "text/html" }, cache: "no-store", credentials: "same-origin" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const next = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("live");
      if (!next) throw new Error("the answer has no live part");
      live.replaceChildren(...Array.from(next.childNodes, (n) => document.importNode(n, true)));
      live.dataset.refreshedAt = String(Date.now());
      say("updated " + clock(new Date()) + ", every " + every + " s");
    } catch (err) {
      say("refresh failed at " + clock(new Date()) + " (" + (err && err.message ? err.message : err) + "); trying again in " + every + " s", true);
    }
    schedule();
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  schedule();
})();
`;
