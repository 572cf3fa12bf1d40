/**
 * The `<a …>` start tags of an HTML page and their href, in one pass that never revisits a
 * character: a hostile page (unclosed tags, unclosed quotes, megabytes of `<a <a <a`) costs time
 * proportional to its length, never more. Attribute values are read as the HTML tokenizer reads
 * them: a quote opens a value only right after `=`.
 */

export interface AnchorTag {
  href: string;
  /** Offsets of the tag's `<` and of the character after its `>`. */
  start: number;
  end: number;
}

export class TooManyLinks extends Error {}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;

export function anchorTags(html: string, maxLinks: number): AnchorTag[] {
  const out: AnchorTag[] = [];
  const n = html.length;
  let i = 0;
  for (;;) {
    const lt = html.indexOf("<", i);
    if (lt < 0 || lt + 2 >= n) return out;
    const c = html.charCodeAt(lt + 1);
    if ((c !== 97 && c !== 65) || !isSpace(html.charCodeAt(lt + 2))) {
      i = lt + 1;
      continue;
    }
    let k = lt + 2;
    let href: string | null = null;
    let closed = false;
    while (k < n) {
      const ch = html.charCodeAt(k);
      if (isSpace(ch) || ch === 47 /* / */) {
        k++;
        continue;
      }
      if (ch === 62 /* > */) {
        closed = true;
        k++;
        break;
      }
      const nameStart = k;
      while (k < n) {
        const d = html.charCodeAt(k);
        if (isSpace(d) || d === 61 /* = */ || d === 62 || d === 47) break;
        k++;
      }
      // A lone '=' with no name before it is consumed as the name, so every turn moves on.
      if (k === nameStart) k++;
      const name = html.slice(nameStart, k);
      while (k < n && isSpace(html.charCodeAt(k))) k++;
      if (html.charCodeAt(k) !== 61) continue;
      k++;
      while (k < n && isSpace(html.charCodeAt(k))) k++;
      let value: string;
      const q = html.charCodeAt(k);
      if (q === 34 || q === 39) {
        const close = html.indexOf(q === 34 ? '"' : "'", k + 1);
        // An unclosed quote runs to the end of the page: no tag after it can be complete.
        if (close < 0) return out;
        value = html.slice(k + 1, close);
        k = close + 1;
      } else {
        const from = k;
        while (k < n && !isSpace(html.charCodeAt(k)) && html.charCodeAt(k) !== 62) k++;
        value = html.slice(from, k);
      }
      if (href === null && name.toLowerCase() === "href") href = value;
    }
    // An unclosed tag runs to the end of the page as well.
    if (!closed) return out;
    if (href !== null) {
      if (out.length >= maxLinks) throw new TooManyLinks(`more than ${maxLinks} links on one listing page; refused`);
      out.push({ href, start: lt, end: k });
    }
    i = k;
  }
}
