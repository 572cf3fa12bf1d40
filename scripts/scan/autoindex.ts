/**
 * Parses HTML directory listings: nginx's autoindex, Apache's mod_autoindex (plain and fancy)
 * and lighttpd's mod_dirlisting. Deliberately tolerant: it takes each link, and reads the date and
 * size from the text that follows it up to the next link, so markup variations and hostile HTML
 * only ever cost entries, never a crash or an entry outside the directory.
 */

import { anchorTags } from "./anchors.js";

export interface IndexEntry {
  name: string;
  isDir: boolean;
  size?: number;
  approxSize?: boolean;
  mtime?: number;
  mtimeRes?: number;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const DATES: [RegExp, (m: RegExpExecArray) => [number, number]][] = [
  // nginx: 01-Nov-2026 12:00
  [/(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2})/, (m) => [Date.UTC(+m[3]!, MONTHS[m[2]!]!, +m[1]!, +m[4]!, +m[5]!), 60]],
  // lighttpd: 2026-Nov-01 12:00:00
  [/(\d{4})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/, (m) => [Date.UTC(+m[1]!, MONTHS[m[2]!]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!), 1]],
  // Apache: 2026-11-01 12:00 (or with seconds)
  [/(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?/, (m) => [Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)), m[6] ? 1 : 60]],
];
const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** More links than any real directory page holds (a 64 MiB page of autoindex lines is ~600,000). */
export const MAX_LINKS_PER_PAGE = 1_000_000;

export function parseAutoindex(html: string, maxLinks = MAX_LINKS_PER_PAGE): IndexEntry[] {
  const out: IndexEntry[] = [];
  const seen = new Set<string>();
  const anchors = anchorTags(html, maxLinks);
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i]!;
    const name = childName(decodeEntities(a.href));
    if (name === null || seen.has(name.name)) continue;
    seen.add(name.name);
    const tail = stripTags(html.slice(a.end, Math.min(anchors[i + 1]?.start ?? html.length, a.end + 600)));
    const entry: IndexEntry = { name: name.name, isDir: name.isDir };
    for (const [re, conv] of DATES) {
      const dm = re.exec(tail);
      if (!dm) continue;
      const [t, res] = conv(dm);
      if (Number.isFinite(t)) {
        entry.mtime = t / 1000;
        entry.mtimeRes = res;
      }
      const sm = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP])?(?:i?B)?\b/i.exec(tail.slice(dm.index + dm[0].length));
      if (sm && !name.isDir) {
        const unit = sm[2]?.toUpperCase();
        entry.size = unit ? Math.round(Number(sm[1]) * UNITS[unit]!) : Number(sm[1]);
        if (unit || sm[1]!.includes(".")) entry.approxSize = true;
      }
      break;
    }
    out.push(entry);
  }
  return out;
}

/** The name of a direct child from an href, or null for parents, queries, other hosts and deeper paths. */
function childName(href: string): { name: string; isDir: boolean } | null {
  if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/") || href.startsWith("?") || href.startsWith("#")) return null;
  const noQuery = href.split(/[?#]/)[0]!.replace(/^\.\//, "");
  const isDir = noQuery.endsWith("/");
  const raw = isDir ? noQuery.slice(0, -1) : noQuery;
  if (!raw || raw.includes("/")) return null;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (name === "." || name === ".." || name.includes("/") || /[\u0000-\u001f]/.test(name)) return null;
  return { name, isDir };
}

function stripTags(s: string): string {
  return decodeEntities(s.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ");
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " })[e]!);
}
