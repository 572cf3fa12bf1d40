/** An error as a page, for a browser that asked for HTML: what went wrong, and a way back into the tree. */

import { encodePathForUrl } from "../core/path.js";
import { esc } from "./xml.js";

/** `dir`: the directory to offer ("releases/1.0/"), "" for the root alone. */
export function errorPageHtml(status: number, message: string, dir: string): string {
  const up = `/${dir.split("/").filter(Boolean).map(encodePathForUrl).join("/")}${dir ? "/" : ""}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${esc(message.slice(0, 80))}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}p.msg{font-size:1.1rem;word-break:break-word}</style>
</head><body><h1>${status}</h1><p class="msg" id="error">${esc(message)}</p>
<p><a href="${esc(up)}" id="up">Index of ${esc(up)}</a>${up !== "/" ? ' · <a href="/">Index of /</a>' : ""}</p>
</body></html>
`;
}
