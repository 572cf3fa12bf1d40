/** Loads mirrorhop.toml: TOML syntax, then the schema. Every problem names file, line and key. */

import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, TomlError } from "smol-toml";
import { mirrorProblems } from "../../src/core/mirror.js";
import { type Config, configSchema, mirrorOf, policyOf } from "./schema.js";
import { lineOf } from "./locate.js";
import { closestKey, keysAt } from "./suggest.js";

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n  ${problems.join("\n  ")}`);
  }
}

export function loadConfig(file: string): Config {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    throw new ConfigError(abs, [`cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, abs);
}

export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) throw new ConfigError(file, [`${file}:${err.line}:${err.column}: ${err.message.split("\n")[0]}`]);
    throw err;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const at = issue.path as (string | number)[];
      // An unknown key is reported at its own line, with the key it most likely meant.
      if (issue.code === "unrecognized_keys") {
        const known = keysAt(configSchema, at);
        return issue.keys.map((k) => {
          const where = lineOf(text, [...at, k]);
          const meant = closestKey(k, known);
          const hint = meant ? `; did you mean "${meant}"?` : known.length ? ` (known here: ${known.join(", ")})` : "";
          return `${file}${where ? `:${where}` : ""}: ${describePath([...at, k], raw)}: unknown key${hint}`;
        });
      }
      const where = lineOf(text, at);
      return [`${file}${where ? `:${where}` : ""}: ${describePath(at, raw)}: ${issue.message}`];
    });
    throw new ConfigError(file, problems);
  }
  const c = result.data;
  // The Worker's own validator over what the edge will read: a mirror it would refuse is refused here.
  const edgeProblems = c.mirror.flatMap((m, i) =>
    mirrorProblems(mirrorOf(m)).map((p) => {
      const where = lineOf(text, ["mirror", i]);
      return `${file}${where ? `:${where}` : ""}: ${describePath(["mirror", i], raw)}: ${p} (the Worker would refuse this mirror)`;
    }),
  );
  if (edgeProblems.length) throw new ConfigError(file, edgeProblems);
  return {
    file,
    origin: { ...c.origin, path: path.resolve(path.dirname(file), c.origin.path) },
    policy: policyOf(c),
    scan: c.scan,
    mirrors: c.mirror,
  };
}

/** `mirror[2] (de-fra).country`: the array index as people count (from 1) and the mirror's name when it has one. */
function describePath(p: (string | number)[], raw: unknown): string {
  let out = "";
  let node: unknown = raw;
  for (const part of p) {
    if (typeof part === "number") {
      node = (node as unknown[] | undefined)?.[part];
      const name = (node as { name?: unknown } | undefined)?.name;
      out += `[${part + 1}]${typeof name === "string" ? ` (${name})` : ""}`;
    } else {
      node = (node as Record<string, unknown> | undefined)?.[part];
      out += out ? `.${part}` : part;
    }
  }
  return out || "(top level)";
}
