/** mirrorhop.toml: valid files load; every invalid one is refused with file, line and key. */

import { describe, expect, it } from "vitest";
import { EXAMPLE_CONFIG } from "../../scripts/config/example.js";
import { ConfigError, parseConfig } from "../../scripts/config/load.js";
import { configProblems } from "../helpers/config-problems.js";

const FILE = "/etc/mirrorhop/mirrorhop.toml";

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("config was accepted");
}

const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("config", () => {
  it("the annotated example from `mirrorhop init` is valid", () => {
    const c = parseConfig(EXAMPLE_CONFIG, FILE);
    expect(c.origin.path).toBe("/srv/pub");
    expect(c.mirrors).toHaveLength(1);
    expect(c.mirrors[0]).toMatchObject({ name: "de-fra", country: "DE", asns: [3320], weight: 100 });
    expect(c.policy.stickiness).toEqual({ repoDepth: 2, ipv4Bits: 24, ipv6Bits: 48 });
  });

  it("names file, line and key of each bad value", () => {
    const text = EXAMPLE_CONFIG.replace('country = "DE"', 'country = "Germany"').replace('prefixes = ["192.0.2.0/24"', 'prefixes = ["192.0.2.0/33"');
    const p = problems(text);
    expect(p).toContain(`${FILE}:${lineOf(text, 'country = "Germany"')}: mirror[1] (de-fra).country: must be a two-letter ISO 3166 country code`);
    expect(p.some((x) => x.startsWith(`${FILE}:${lineOf(text, "prefixes =")}: mirror[1] (de-fra).prefixes`))).toBe(true);
  });

  it("refuses duplicate ids and names, unknown keys, missing URLs and bad TOML", () => {
    const dup = EXAMPLE_CONFIG + '\n[[mirror]]\nid = 1\nname = "de-fra"\nhttp = "http://x.example/"\ncountry = "FR"\ncolour = "red"\n';
    const p = problems(dup);
    expect(p.some((x) => /mirror\[2\] \(de-fra\)\.id: duplicate id 1/.test(x))).toBe(true);
    expect(p.some((x) => /mirror\[2\] \(de-fra\)\.name: duplicate name de-fra/.test(x))).toBe(true);
    expect(p.some((x) => /mirror\[2\] \(de-fra\)\.colour: unknown key/.test(x))).toBe(true);
    expect(
      problems('[origin]\npath = "/x"\nurl = "https://o.example/"\n[[mirror]]\nid = 2\nname = "n"\ncountry = "FR"\n').some((x) =>
        /mirror\[1\] \(n\)\.http: needs an http or https URL/.test(x),
      ),
    ).toBe(true);
    expect(problems("[origin\npath = 1")[0]).toMatch(new RegExp(`^${FILE}:1:\\d+: `));
    expect(problems('[origin]\npath = "/x"\nurl = "https://o.example"\n')[0]).toBe(`${FILE}:3: origin.url: must be an http(s) URL ending in '/'`);
  });

  it("carries [health], [release] and the trace file into the pushed policy, and refuses bad ones with line and key", () => {
    const c = parseConfig(EXAMPLE_CONFIG, FILE);
    expect(c.policy.health).toMatchObject({ traceFile: "TIME", downAfter: 2, upAfter: 2, timeoutMs: 10_000, maxLagSeconds: 86_400, lagScope: "all" });
    expect(c.policy.release).toEqual({ minMirrors: 0, minAgeSeconds: 21_600, staged: [] });
    const off = parseConfig(EXAMPLE_CONFIG.replace("max_lag_seconds = 86400", "max_lag_seconds = 0"), FILE);
    expect(off.policy.health.maxLagSeconds).toBeNull();

    const mutable = EXAMPLE_CONFIG.replace('lag_scope = "all"', 'lag_scope = "mutable"');
    expect(problems(mutable)).toContain(`${FILE}:${lineOf(mutable, "[health]")}: health.mutable_patterns: lag_scope = "mutable" needs mutable_patterns`);
    const staged = EXAMPLE_CONFIG.replace('# staged = ["releases/16.0/*"]', 'staged = ["releases/16.0/*"]');
    expect(problems(staged).some((x) => x.includes("release.staged: staged paths need min_mirrors > 0"))).toBe(true);
    const trace = EXAMPLE_CONFIG.replace('trace = "TIME"', 'trace = "../TIME"');
    expect(problems(trace)).toContain(`${FILE}:${lineOf(trace, 'trace = "../TIME"')}: origin.trace: must not hold empty, '.' or '..' segments`);
    const down = EXAMPLE_CONFIG.replace("down_after = 2 ", "down_after = 0 ");
    expect(problems(down).some((x) => x.startsWith(`${FILE}:${lineOf(down, "down_after = 0")}: health.down_after`))).toBe(true);
  });
});

describe("country codes in mirrorhop.toml", () => {
  const base = '[origin]\npath = "/srv/pub"\nurl = "https://get.example/pub/"\n';
  const mirrorWith = (extra: string) => `${base}[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/"\ncountry = "DE"\n${extra}\n`;
  const problemsOf = (text: string) => configProblems(text);

  it("refuses UK (and EL) with the code the platform reports, at the key's line", () => {
    expect(problemsOf(mirrorWith('allow_countries = ["uk"]'))).toEqual([
      '/etc/mirrorhop.toml:9: mirror[1] (m).allow_countries[1]: "UK" is not an ISO 3166 country code; did you mean "GB"? (the platform reports UK as GB)',
    ]);
    expect(problemsOf(mirrorWith('extra_countries = ["EL"]'))[0]).toMatch(/did you mean "GR"/);
    expect(problemsOf(mirrorWith('deny_countries = ["ZZ"]'))[0]).toMatch(/"ZZ" is not an ISO 3166 country code$/);
    expect(problemsOf(`${base}[policy.regions]\nisles = ["GB", "UK"]\n`)[0]).toMatch(/policy\.regions\.isles\[2\]: "UK" is not/);
    expect(problemsOf(mirrorWith('allow_countries = ["GB", "IE"]'))).toEqual([]);
  });
});

describe("credentials stay with the scanner", () => {
  const base = '[origin]\npath = "/srv/pub"\nurl = "https://get.example/pub/"\n';
  it("a credentialed rsync or ftp URL is the scanner's alone: the edge's table and D1 rows never carry it", async () => {
    const { mirrorOf } = await import("../../scripts/config/schema.js");
    const { mirrorToRow } = await import("../../src/db/rows.js");
    const c = parseConfig(
      `${base}[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/pub/"\nrsync = "rsync://scan:s3cret@m.example/pub/"\nftp = "ftp://scan:s3cret@m.example/pub/"\ncountry = "DE"\n`,
      FILE,
    );
    expect(c.mirrors[0]!.rsync).toBe("rsync://scan:s3cret@m.example/pub/");
    const edge = mirrorOf(c.mirrors[0]!);
    expect(edge.urls).toEqual({ http: "http://m.example/pub/" });
    expect(JSON.stringify(edge) + JSON.stringify(mirrorToRow(edge))).not.toContain("s3cret");
  });

  it("a credentialed client URL is refused at its mirror's line, the way the Worker would refuse it", () => {
    let problems: string[] = [];
    try {
      parseConfig(`${base}[[mirror]]\nid = 1\nname = "m"\nhttps = "https://u:pw@m.example/pub/"\ncountry = "DE"\n`, FILE);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      `${FILE}:4: mirror[1] (m): https URL must not carry credentials (clients would be sent to them): https://***@m.example/pub/ (the Worker would refuse this mirror)`,
    ]);
  });
});

describe("config check's probe line", () => {
  const withMirrors = (n: number, extra = "") =>
    parseConfig(
      `[origin]\npath = "/srv"\nurl = "https://o.example/"\ntrace = "TIME"\n[health]\n${extra}\n` +
        Array.from(
          { length: n },
          (_, i) => `[[mirror]]\nid = ${i + 1}\nname = "m${i + 1}"\nhttp = "http://m${i + 1}.example/"\nhttps = "https://m${i + 1}.example/"\ncountry = "DE"\n`,
        ).join(""),
      "/x/mirrorhop.toml",
    );

  it("says how often each mirror URL is probed and when a dead one is marked down, from the budget and the cron", async () => {
    const { probeLine } = await import("../../scripts/cli/probe-period.js");
    expect(probeLine(withMirrors(64), 5)).toBe(
      "probes: 128 mirror URLs, up to 44 a round every 5 min (wrangler.toml [triggers]): each probed every 15 min; a dead one is marked down after 30 min",
    );
    // 1,000 mirrors on Free's budget: the period the docs give, and what to do about it.
    const big = probeLine(withMirrors(1000), 5);
    expect(big).toMatch(
      /^probes: 2000 mirror URLs, up to 44 a round every 5 min .*: each probed every 3 h 50 min; a dead one is marked down after 7 h 40 min\. To probe more often, raise \[health\] max_probes_per_run on Workers Paid/,
    );
    expect(probeLine(withMirrors(1000, "max_probes_per_run = 901"), 5)).toMatch(
      /up to 900 a round every 5 min .*: each probed every 15 min; a dead one is marked down after 30 min$/,
    );
    expect(probeLine(withMirrors(3), null)).toMatch(/every 5 min \(no \*\/N cron in wrangler\.toml \[triggers\]; assumed\)/);
  });
});

describe("unknown keys", () => {
  it("are reported at their own line, with the key they most likely meant", () => {
    const text = `[origin]\npath = "/srv"\nurl = "https://o.example/"\n\n[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/"\ncountry = "DE"\nwieght = 5\nCountryOnly = true\n\n[helth]\ndown_after = 3\n\n[health]\ndown_afterr = 3\nzzz = 1\n`;
    expect(configProblems(text, FILE)).toEqual([
      `${FILE}:17: health.down_afterr: unknown key; did you mean "down_after"?`,
      expect.stringMatching(new RegExp(`^${FILE}:18: health\\.zzz: unknown key \\(known here: .*down_after.*\\)$`)),
      `${FILE}:10: mirror[1] (m).wieght: unknown key; did you mean "weight"?`,
      `${FILE}:11: mirror[1] (m).CountryOnly: unknown key; did you mean "country_only"?`,
      `${FILE}:13: helth: unknown key; did you mean "health"?`,
    ]);
  });
});
