import { ConfigError, parseConfig } from "../../scripts/config/load.js";

/** What parseConfig refuses in `text` (file:line: key: why), or [] when it loads. */
export function configProblems(text: string, file = "/etc/mirrorhop.toml"): string[] {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
