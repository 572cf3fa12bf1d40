/**
 * The pages people read, rendered in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; no browser is downloaded): DOM assertions, and a screenshot of each kept in
 * test-artifacts/ for a person to look at.
 */

import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalEdge, ROOT, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seedRollout } from "../helpers/rollout.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(ROOT, "test-artifacts");
let edge: LocalEdge;
let browser: Browser;

describe.skipIf(!existsSync(CHROMIUM))("pages in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    edge = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0", STATS_STORE: "d1", STATS_CACHE_SECONDS: "0" } });
    const ms = [
      mirror({ id: 1, name: "de-fra", country: "DE", continent: "EU", lat: 50.1, lon: 8.7 }),
      mirror({ id: 2, name: "fr-par", country: "FR", continent: "EU", lat: 48.9, lon: 2.35 }),
      mirror({ id: 3, name: "us-nyc", country: "US", continent: "NA", lat: 40.7, lon: -74 }),
    ];
    await writeIndex(edge, table(ms), {
      "releases/1.0/mirrorhop-1.0.iso": file([1, 2, 3], { size: 734_003_200 }),
      "releases/1.0/mirrorhop-1.0.iso.asc": file([1, 2, 3], { size: 833 }),
      "releases/1.0/notes/README.txt": file([1], { size: 5000 }),
      // Names a mirror network really has (OBS's home:user) and names an attacker would publish.
      "hostile/home:user/x.iso": file([1], { size: 5000 }),
      "hostile/javascript:alert(document.domain)": file([1], { size: 5000 }),
      "hostile/a:b.iso": file([1], { size: 5000 }),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await edge?.dispose();
  });

  it("the mirror list shows the file's facts and the mirrors by tier, the chosen one marked", async () => {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ "x-debug-country": "DE", "x-debug-lat": "52.5", "x-debug-lon": "13.4" });
    await page.goto(`${edge.url.origin}/releases/1.0/mirrorhop-1.0.iso.mirrorlist`);
    expect(await page.title()).toBe("Mirrors for mirrorhop-1.0.iso");
    expect(await page.textContent("#size")).toBe("734,003,200 bytes");
    expect(await page.locator("section.tier h2").allTextContents()).toEqual(["Your country", "Your region", "Elsewhere", "Origin"]);
    expect(await page.locator("li.chosen").getAttribute("data-mirror")).toBe("de-fra");
    expect(await page.locator("li.chosen .badge").isVisible()).toBe(true);
    expect(await page.locator('nav a[href$=".meta4"]').count()).toBe(1);
    expect(await page.locator('li[data-mirror="us-nyc"] .km').textContent()).toMatch(/^\d+ km$/);
    await page.screenshot({ path: path.join(ARTIFACTS, "mirrorlist.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("a directory listing reads like an autoindex and links each file's mirror list", async () => {
    const page = await browser.newPage();
    await page.goto(`${edge.url.origin}/releases/1.0/`);
    expect(await page.textContent("h1")).toBe("Index of /releases/1.0/");
    const names = await page.locator("tbody tr td:first-child a").allTextContents();
    expect(names).toEqual(["../", "notes/", "mirrorhop-1.0.iso", "mirrorhop-1.0.iso.asc"]);
    expect(await page.locator("tr.file td.size").first().textContent()).toBe("700.0 MiB");
    await page.locator("tr.file a.mirrors").first().click();
    await page.waitForURL(/\.mirrorlist$/);
    expect(await page.title()).toBe("Mirrors for mirrorhop-1.0.iso");
    await page.goto(`${edge.url.origin}/releases/1.0/`);
    await page.screenshot({ path: path.join(ARTIFACTS, "directory.png"), fullPage: true });
    await page.close();
  }, 60_000);
  it("a listing links names with ':' to themselves, never to a URL scheme; no script runs; every page sends a CSP", async () => {
    const page = await browser.newPage();
    let dialogs = 0;
    page.on("dialog", async (d) => {
      dialogs++;
      await d.dismiss();
    });
    const base = `${edge.url.origin}/hostile/`;
    const res = await page.goto(base);
    expect(res!.headers()["content-security-policy"]).toMatch(/^default-src 'none';/);
    const hrefs = await page.$$eval("tbody tr td:first-child a", (as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(hrefs).toEqual([`${edge.url.origin}/`, `${base}home:user/`, `${base}a:b.iso`, `${base}javascript:alert(document.domain)`]);
    // Clicking the hostile name navigates to that path (answered here, so nothing leaves loopback).
    await page.route(`${base}javascript*`, (r) => r.fulfill({ status: 200, contentType: "text/plain", body: "a file" }));
    await page.locator("tbody a", { hasText: "javascript:" }).first().click();
    await page.waitForURL(/\/hostile\/javascript:alert/);
    expect(dialogs).toBe(0);
    for (const p of ["releases/1.0/mirrorhop-1.0.iso.mirrorlist", "_mirrorhop/status"]) {
      const r = await page.request.get(`${edge.url.origin}/${p}`);
      expect(r.headers()["content-security-policy"], p).toMatch(/^default-src 'none';/);
    }
    await page.close();
  }, 60_000);

  it("the status page shows each mirror's download share next to its weight share", async () => {
    const clients = [...Array(30).fill("DE"), ...Array(20).fill("FR"), ...Array(10).fill("US")] as string[];
    for (const [i, country] of clients.entries()) {
      const res = await fetch(`${edge.url.origin}/releases/1.0/mirrorhop-1.0.iso`, {
        redirect: "manual",
        headers: { "x-debug-country": country, "x-debug-ip": `10.9.${i}.1` },
      });
      expect(res.status).toBe(302);
    }
    // Counted after each response: wait until the last count is in.
    let total = 0;
    for (let i = 0; i < 40 && total < clients.length; i++) {
      total = ((await (await fetch(`${edge.url.origin}/_mirrorhop/api/stats`)).json()) as { totals: { download: { events7d: number } } }).totals.download
        .events7d;
      if (total < clients.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(total).toBe(clients.length);
    const page = await browser.newPage();
    await page.goto(`${edge.url.origin}/_mirrorhop/status#downloads`);
    const row = (name: string) => page.locator(`#shares tr[data-stats-mirror="${name}"]`);
    expect(await row("de-fra").locator("td").nth(0).textContent()).toBe("100 (33.3 %)");
    expect(await row("de-fra").locator("td.share").nth(1).textContent()).toMatch(/^50\.0 % /);
    expect(await row("fr-par").locator("td.share").nth(1).textContent()).toMatch(/^33\.3 % /);
    expect(await row("us-nyc").locator("td.share").nth(1).textContent()).toMatch(/^16\.7 % /);
    expect(await row("de-fra").locator("td.share svg").isVisible()).toBe(true);
    expect(await page.locator("#top-files tbody tr").first().textContent()).toContain("releases/1.0/mirrorhop-1.0.iso");
    expect(await page.locator("#countries tbody tr td:first-child").allTextContents()).toEqual(["DE", "FR", "US"]);
    await page.locator("#downloads").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "status-downloads.png"), fullPage: true });
    await page.close();
  }, 60_000);

  it("the status page shows each mirror's state and draws the rollout chart", async () => {
    await seedRollout(edge);
    const page = await browser.newPage();
    await page.goto(`${edge.url.origin}/_mirrorhop/status`);
    expect(await page.title()).toBe("Mirror status");
    expect(await page.locator("#mirrors tbody tr").count()).toBe(3);
    expect(await page.getAttribute('tr[data-mirror="us-nyc"] td[data-scheme="http"]', "data-state")).toBe("down");
    expect(await page.getAttribute('tr[data-mirror="de-fra"] td[data-scheme="http"]', "data-state")).toBe("up");
    expect(await page.textContent('tr[data-mirror="fr-par"] td.notes')).toContain("stalled");
    expect(await page.textContent('tr[data-mirror="de-fra"] td.coverage')).toContain("66.7 %");
    const chart = page.locator("svg#rollout");
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.getAttribute("data-series")).toBe("3");
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(600);
    // fr-par climbs for the whole window (it stalled); de-fra stays at zero: their lines differ in height.
    const ysOf = async (name: string) =>
      ((await page.locator(`g.series[data-mirror="${name}"] polyline`).first().getAttribute("points")) ?? "").split(" ").map((p) => Number(p.split(",")[1]));
    const spread = (ys: number[]) => Math.max(...ys) - Math.min(...ys);
    expect(spread(await ysOf("fr-par"))).toBeGreaterThan(150);
    expect(spread(await ysOf("de-fra"))).toBe(0);
    expect(await page.textContent("p.summary")).not.toContain("probes off");
    expect(await page.locator('g.series[data-mirror="us-nyc"] path.fail').count()).toBeGreaterThan(0);
    // The table says what it knows in words: country names, a link to the mirror, no bare "?".
    expect(await page.textContent('tr[data-mirror="de-fra"] td:nth-of-type(1)')).toBe("Germany");
    expect(await page.getAttribute('tr[data-mirror="de-fra"] th a.url', "href")).toBe("https://de-fra.test/pub/");
    expect(await page.getAttribute('tr[data-mirror="de-fra"] th a:not(.url)', "href")).toBe("/_mirrorhop/status/de-fra");
    expect(await page.textContent('tr[data-mirror="de-fra"] td:nth-of-type(4)')).toBe("not probed");
    // us-nyc is down: its lag is as of its last answer, not "current".
    expect(await page.textContent('tr[data-mirror="us-nyc"] td.lag')).toMatch(/^[\d.]+ (min|h) at its last answer$/);
    expect(await page.getAttribute('tr[data-mirror="de-fra"] td[data-scheme="http"]', "title")).toMatch(
      /^up since (its first probe|\d{4}-\d\d-\d\d \d\d:\d\d UTC)$/,
    );
    expect(await page.textContent("p.summary")).toMatch(/origin trace \d{4}-\d\d-\d\d \d\d:\d\d UTC \(/);
    await page.screenshot({ path: path.join(ARTIFACTS, "status.png"), fullPage: true });
    await page.close();
  });

  it("explain in a browser is a page: the verdict, the candidates in rank order, each linked", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`${edge.url.origin}/_mirrorhop/explain/releases/1.0/mirrorhop-1.0.iso?country=FR`);
    expect(await page.title()).toBe("Explain /releases/1.0/mirrorhop-1.0.iso");
    expect(await page.textContent("#verdict")).toMatch(/^Sent to mirror fr-par: https?:\/\//);
    expect(await page.locator("#candidates tbody tr").count()).toBe(3);
    expect(await page.locator("#candidates tbody tr.win th").textContent()).toBe("fr-par");
    await page.screenshot({ path: path.join(ARTIFACTS, "explain.png"), fullPage: true });
    await page.close();
  });

  it("each mirror has its page: URLs, what is in force now and why, its lag, its failures, the newest files it lacks", async () => {
    await seedRollout(edge);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${edge.url.origin}/_mirrorhop/status`);
    await page.click('tr[data-mirror="us-nyc"] th a:not(.url)');
    expect(await page.title()).toBe("Mirror us-nyc");
    expect(await page.locator("ul.urls a").allTextContents()).toEqual(["http://us-nyc.test/pub/", "https://us-nyc.test/pub/"]);
    expect(await page.locator("#exclusions li").allTextContents()).toContain("http down after 2 failed probes: connection refused");
    expect(await page.locator("#failures tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator('svg#rollout g.series[data-mirror="us-nyc"]').count()).toBe(1);
    expect(await page.locator("svg#rollout g.series").count()).toBe(1);
    // Six files were pushed; us-nyc holds two of them (the ISO and its signature).
    expect(await page.textContent("#lacking-summary")).toBe("Of the 6 files added most recently, it lacks 4.");
    expect(await page.locator("#lacking li").allTextContents()).toContain("releases/1.0/notes/README.txt");
    await page.screenshot({ path: path.join(ARTIFACTS, "mirror.png"), fullPage: true });
    await page.goto(`${edge.url.origin}/_mirrorhop/status/de-fra`);
    expect(await page.textContent("#exclusions")).toContain("Nothing");
    const missing = await fetch(`${edge.url.origin}/_mirrorhop/status/nope`, { headers: { accept: "application/json" } });
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'no mirror named "nope": see /_mirrorhop/status' }]);
    await page.close();
  });

  it("the status pages refresh in place: a change after the page loaded shows without a reload, a failed refresh says so", async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on("console", (m) => void (/Content Security Policy/i.test(m.text()) && blocked.push(m.text())));
    try {
      await page.goto(`${edge.url.origin}/_mirrorhop/status?refresh=2`);
      await page.waitForSelector("#refreshed:not([hidden])");
      expect(await page.textContent("#refreshed")).toBe("refreshes every 2 s while this tab is shown");
      expect(await page.locator('tr[data-mirror="fr-par"]').getAttribute("class")).toBeNull();
      await page.evaluate("window.sameDocument = true");
      await edge.DB.prepare("UPDATE mirrors SET enabled = 0 WHERE name = 'fr-par'").run();
      await page.waitForSelector('tr.disabled[data-mirror="fr-par"]', { timeout: 30_000 });
      expect(await page.evaluate("window.sameDocument")).toBe(true);
      expect(await page.textContent("#refreshed")).toMatch(/^updated \d\d:\d\d:\d\d, every 2 s$/);
      // The Worker unreachable: the page keeps what it showed and says the refresh failed.
      await page.route(/\/_mirrorhop\/status\?refresh=2$/, (r) => r.fulfill({ status: 503, body: "down" }));
      await page.waitForSelector("#refreshed.bad", { timeout: 30_000 });
      expect(await page.textContent("#refreshed")).toMatch(/^refresh failed at .* \(HTTP 503\); trying again in 2 s$/);
      expect(await page.locator("#mirrors tbody tr").count()).toBe(3);
      // A mirror's own page refreshes the same way.
      await page.unroute(/.*/);
      await edge.DB.prepare("UPDATE mirrors SET enabled = 0 WHERE name = 'de-fra'").run();
      await page.goto(`${edge.url.origin}/_mirrorhop/status/de-fra?refresh=2`);
      await page.waitForSelector("#exclusions.bad");
      await edge.DB.prepare("UPDATE mirrors SET enabled = 1 WHERE name = 'de-fra'").run();
      await page.waitForSelector("#exclusions.ok", { timeout: 30_000 });
      expect(blocked).toEqual([]);
    } finally {
      await edge.DB.prepare("UPDATE mirrors SET enabled = 1 WHERE name IN ('fr-par', 'de-fra')").run();
      await page.close();
    }
  }, 90_000);

  it("the status page fits a phone: the page never scrolls sideways, the mirror table scrolls in its own box", async () => {
    await seedRollout(edge);
    for (const width of [390, 1400]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`${edge.url.origin}/_mirrorhop/status`);
      expect(await page.evaluate("document.documentElement.scrollWidth"), `${width} px`).toBeLessThanOrEqual(width);
      const chart = (await page.locator("svg#rollout").boundingBox())!;
      expect(chart.x + chart.width, `${width} px`).toBeLessThanOrEqual(width);
      await page.screenshot({ path: path.join(ARTIFACTS, `status-${width}.png`), fullPage: true });
      await page.close();
    }
  });
});
