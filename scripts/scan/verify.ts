/**
 * A listing is a mirror's word, and words can be wrong: an rsync module that is not the tree the
 * web server serves, a web root reinstalled under an old listing cache, a proxy that lists what
 * its backend lost. Before a scan's claims count, a sample of them is fetched the way a client
 * would be sent there (HEAD on the download URL). A claim the server denies (404, 410, 403) or
 * answers with another size is a lie; network errors and 5xx prove nothing either way.
 */

import { mapPool } from "../../src/core/pool.js";
import { encodePathForUrl } from "../../src/core/path.js";
import { head, type HeadAnswer } from "./http.js";

export interface Claim {
  path: string;
  size: number;
}

export interface Lie {
  url: string;
  listed: number;
  /** What the server said instead: "HTTP 404", or "size 1234". */
  found: string;
}

export interface VerifyOutcome {
  checked: number;
  lies: Lie[];
  /** Answers that prove nothing (timeouts, 5xx, no Content-Length). */
  inconclusive: number;
}

export type HeadFetch = (url: string, signal: AbortSignal) => Promise<HeadAnswer | null>;

export async function verifyClaims(baseUrl: string, sample: Claim[], signal: AbortSignal, headOf: HeadFetch = head): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = { checked: sample.length, lies: [], inconclusive: 0 };
  await mapPool(sample, 4, async (c) => {
    const url = baseUrl + encodePathForUrl(c.path);
    const r = await headOf(url, signal);
    if (!r || r.status >= 500 || r.status === 429) outcome.inconclusive++;
    else if (r.status === 404 || r.status === 410 || r.status === 403) outcome.lies.push({ url, listed: c.size, found: `HTTP ${r.status}` });
    else if (r.status >= 200 && r.status < 300 && r.length !== null && r.length !== c.size)
      outcome.lies.push({ url, listed: c.size, found: `size ${r.length}` });
    else if (r.status !== 200 || r.length === null) outcome.inconclusive++;
  });
  return outcome;
}

export function describeLies(lies: Lie[], checked: number): string {
  const first = lies[0]!;
  return `listing claims files the mirror does not serve (${lies.length} of ${checked} checked; ${first.url}: listed ${first.listed} bytes, ${first.found})`;
}
