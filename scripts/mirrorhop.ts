/**
 * The mirrorhop CLI (run it as `npm run mirrorhop -- <command>` or `npx mirrorhop <command>`):
 *   init                      write an annotated mirrorhop.toml
 *   config check              validate it
 *   scan origin [--path D]    hash what the origin holds
 *   scan mirrors [--mirror N…] [--path D]   list what each mirror holds
 *   push --local|--remote [--dry-run]       write the difference to D1 and KV
 *   probe --local|--remote [--no-families]  probe every mirror's trace file, write health
 *   mirrors --local|--remote [--json]       every mirror's state as the edge sees it
 *   explain <path> [--country … --asn … --ip …]   the selection, offline
 *   stats --local|--remote [--json]          the download report
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/root.js";
import { Command, Option } from "commander";
import { ConfigError, loadConfig } from "./config/load.js";
import { EXAMPLE_CONFIG } from "./config/example.js";
import { ExplainInputError, explainOffline } from "./cli/explain.js";
import { openState, stateFileFor } from "./state/db.js";
import { scanOrigin } from "./scan/origin.js";
import { scanMirrors } from "./scan/mirrors.js";
import { progress } from "./cli/progress.js";
import { probeLine } from "./cli/probe-period.js";
import { mirrorsReport, mirrorsText } from "./cli/mirrors.js";
import { workerOriginUrl } from "./store/wrangler-config.js";
import { push } from "./push/push.js";
import { EmptyIndexGuard } from "./push/plan.js";
import { MirrorIdError } from "./push/mirror-ids.js";
import { TableError } from "../src/core/mirror-table.js";
import { rebuildPushState } from "./push/rebuild-state.js";
import { probeFromNode } from "./probe/probe.js";
import type { Target } from "./store/target.js";
import { type StatsSource, statsReport, statsText } from "./cli/stats.js";
import { sqlApiOf } from "../src/stats/analytics-engine.js";

// node:sqlite is stable in use but still flagged experimental; its one-line warning is noise here.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") console.warn(w);
});

const program = new Command("mirrorhop")
  .version(packageVersion(), "-V, --version", "print the version")
  .description("offline side of mirrorhop: scan the origin and the mirrors, push the index to the edge")
  .option("-c, --config <file>", "configuration file", "mirrorhop.toml");

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

const cfg = () => loadConfig(program.opts<{ config: string }>().config);
const state = (file: string) => openState(stateFileFor(file));

program
  .command("init")
  .description("write an annotated example configuration")
  .option("--force", "overwrite an existing file")
  .action((o: { force?: boolean }) => {
    const file = program.opts<{ config: string }>().config;
    if (existsSync(file) && !o.force) throw new UserError(`${file} exists; use --force to overwrite it`);
    writeFileSync(file, EXAMPLE_CONFIG);
    console.log(`wrote ${file}; edit it, then run: mirrorhop config check`);
  });

program
  .command("config")
  .description("configuration commands")
  .command("check")
  .description("validate the configuration")
  .action(() => {
    const c = cfg();
    console.log(`${c.file}: ok (origin ${c.origin.path} → ${c.origin.url}, ${c.mirrors.length} mirrors)`);
    console.log(probeLine(c));
    // Two places name the origin: the scanner's config and the Worker's fallback. They must agree.
    const worker = workerOriginUrl();
    if (worker !== null && worker.replace(/\/?$/, "/") !== c.origin.url.replace(/\/?$/, "/")) {
      console.log(
        `note: wrangler.toml [env.production.vars] ORIGIN_URL is ${worker}, the config's [origin] url ${c.origin.url}: the Worker sends misses and outages to the former; make them the same before deploying (docs/deploy.md)`,
      );
    }
  });

const scan = program.command("scan").description("scan the origin or the mirrors");
scan
  .command("origin")
  .description("walk and hash the origin tree (unchanged files are never hashed twice)")
  .option("--path <subdir>", "only this subtree")
  .action(async (o: { path?: string }) => {
    const c = cfg();
    const r = await scanOrigin(state(c.file), c.origin.path, { subtree: o.path ?? "" });
    for (const s of r.skipped) console.warn(`skipped ${s.path}: ${s.reason}`);
    // The first rule of mirroring: rename instead of rewriting. Said loudly, because it costs every claim.
    for (const p of r.rewritten)
      console.warn(`changed in place: ${p} (every mirror's claim on it is void until a rescan sees the new bytes; publish new content under a new name)`);
  });
scan
  .command("mirrors")
  .description("list what every mirror holds")
  .option("--mirror <name...>", "only these mirrors")
  .option("--path <subdir>", "only this subtree")
  .action(async (o: { mirror?: string[]; path?: string }) => {
    const c = cfg();
    const bar = progress("scanning mirrors", o.mirror?.length ? o.mirror.length : c.mirrors.length, "items");
    const results = await scanMirrors(state(c.file), c, {
      names: o.mirror ?? [],
      subtree: o.path ?? "",
      onResult: (r) =>
        bar.log(
          r.ok
            ? `${r.mirror}: ${r.entries} files over ${r.protocol} in ${(r.ms / 1000).toFixed(1)} s${r.verified ? `, ${r.verified.checked} claims checked` : ""}${r.verified?.content?.mismatches.length ? `; other bytes than the origin's (claims voided): ${r.verified.content.mismatches.join(", ")}` : ""}`
            : `${r.mirror}: FAILED: ${r.error}`,
        ),
      onProgress: (p) => bar.update(p.done, p.listing.map((l) => `${l.mirror} ${l.entries}`).join(", ")),
    });
    const failed = results.filter((r) => !r.ok).length;
    bar.stop(`${results.length - failed} mirrors listed${failed ? `, ${failed} failed` : ""}`);
    if (results.some((r) => !r.ok)) process.exitCode = 3;
  });

targetOptions(program.command("push"))
  .description("write what changed to D1 and KV (local wrangler state or Cloudflare)")
  .option("--dry-run", "write the plan files and say what would change, without writing")
  .option("--allow-empty", "allow a push that deletes every file or every mirror")
  .option("--max-delete <percent>", "refuse a push that deletes more than this share of the pushed files (from 100 files on)", percent, 50)
  .option("--rebuild-state", "first rebuild the record of what was pushed from D1 (after losing the local state)")
  .action(
    async (o: {
      local?: boolean;
      remote?: boolean;
      dryRun?: boolean;
      allowEmpty?: boolean;
      maxDelete: number;
      rebuildState?: boolean;
      persistTo?: string;
      env?: string;
    }) => {
      const target = targetOf(o, "push");
      const c = cfg();
      const db = state(c.file);
      if (o.rebuildState) {
        const r = await rebuildPushState(db, target);
        console.log(`push state rebuilt from D1: ${r.files} files, ${r.mirrors} mirrors`);
      }
      await push(db, c, target, {
        dryRun: o.dryRun ?? false,
        allowEmpty: o.allowEmpty ?? false,
        maxDeleteFraction: o.maxDelete / 100,
        log: (s) => console.log(s),
      });
    },
  );

targetOptions(program.command("probe"))
  .description("probe every mirror's trace file over http/https and IPv4/IPv6, and write the result where the edge reads it")
  .option("--no-families", "probe once per scheme, without separating IPv4 and IPv6")
  .option("--dry-run", "probe and report, write nothing")
  .action(async (o: { local?: boolean; remote?: boolean; families: boolean; dryRun?: boolean; persistTo?: string; env?: string }) => {
    const c = cfg();
    const r = await probeFromNode(c, targetOf(o, "probe"), { families: o.families, dryRun: o.dryRun ?? false, log: (s) => console.log(s) });
    if (r.lines.some((l) => !l.ok)) process.exitCode = 3;
  });

program
  .command("explain")
  .description("run the Worker's selection for one path and one client, offline, from the local state")
  .argument("<path>", "file path, as in the download URL")
  .option("--country <cc>")
  .option("--continent <code>")
  .option("--asn <n>")
  .option("--ip <address>")
  .option("--lat <deg>")
  .option("--lon <deg>")
  .option("--avoid <cc,cc>")
  .option("--scheme <http|https>", "request scheme", "https")
  .action((p: string, o: Record<string, string | undefined>) => {
    const c = cfg();
    const r = explainOffline(state(c.file), c, p, o);
    console.log(JSON.stringify(r, null, 2));
    // A path the index does not have is an answer, but not a decision: scripts can tell by the code.
    if ("error" in r) process.exitCode = 3;
  });

class UserError extends Error {}

function percent(v: string): number {
  const n = Number(v.replace(/%$/, ""));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new UserError(`--max-delete: expected a percentage from 0 to 100, got ${JSON.stringify(v)}`);
  return n;
}

targetOptions(program.command("mirrors"))
  .description("every mirror with its state as the edge sees it: up per scheme, lag, coverage, last scan and probe")
  .option("--json", "print the view as JSON (the status API's shape)")
  .action(async (o: { local?: boolean; remote?: boolean; persistTo?: string; env?: string; json?: boolean }) => {
    const v = await mirrorsReport(cfg(), targetOf(o, "mirrors"));
    console.log(o.json ? JSON.stringify(v, null, 2) : mirrorsText(v));
  });

/** Where a command writes: the same four options for push and probe. */
targetOptions(program.command("stats"))
  .description("the download report: shares per mirror against their weights, top files, countries (today and 7 days)")
  .addOption(
    new Option(
      "--source <store>",
      "where the Worker counts: d1, or analytics-engine (its SQL API; CLOUDFLARE_ACCOUNT_ID and a token with Analytics read in CLOUDFLARE_API_TOKEN)",
    ).choices(["d1", "analytics-engine"]),
  )
  .option("--dataset <name>", "the Analytics Engine dataset", "mirrorhop_downloads")
  .option("--json", "print the report as JSON")
  .action(async (o: { local?: boolean; remote?: boolean; persistTo?: string; env?: string; source?: string; dataset: string; json?: boolean }) => {
    const c = cfg();
    const target = targetOf(o, "stats");
    const kind = o.source ?? (target.kind === "remote" ? "analytics-engine" : "d1");
    let source: StatsSource;
    if (kind === "d1") source = { kind: "d1", target };
    else {
      const api = sqlApiOf({
        STATS_ACCOUNT_ID: process.env.CLOUDFLARE_ACCOUNT_ID,
        STATS_API_TOKEN: process.env.CLOUDFLARE_API_TOKEN,
        STATS_SQL_URL: process.env.MIRRORHOP_STATS_SQL_URL,
        STATS_DATASET: o.dataset,
      });
      if (!api)
        throw new UserError(
          "stats --source analytics-engine needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (a token with Account Analytics read) in the environment",
        );
      source = { kind: "analytics-engine", api };
    }
    const v = await statsReport(c, source);
    console.log(o.json ? JSON.stringify(v, null, 2) : statsText(v));
  });

function targetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--local", "the local state that `wrangler dev` serves").conflicts("remote"))
    .addOption(new Option("--remote", "Cloudflare (needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID)").conflicts("local"))
    .option("--persist-to <dir>", "wrangler's local state directory (with --local)")
    .option("--env <name>", "wrangler environment (default: production with --remote)");
}

function targetOf(o: { local?: boolean; remote?: boolean; persistTo?: string; env?: string }, command: string): Target {
  if (!o.local && !o.remote) throw new UserError(`say where: ${command} --local or ${command} --remote`);
  return { kind: o.remote ? "remote" : "local", persistTo: o.persistTo, env: o.env ?? (o.remote ? "production" : undefined) };
}

try {
  await program.parseAsync();
} catch (err) {
  if (
    err instanceof ConfigError ||
    err instanceof UserError ||
    err instanceof EmptyIndexGuard ||
    err instanceof MirrorIdError ||
    err instanceof TableError ||
    err instanceof ExplainInputError
  ) {
    console.error(`mirrorhop: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
