/**
 * Storage failures are logged once per isolate and kind, not once per request: an outage during a
 * release would otherwise flood the logs with the same line millions of times.
 */
const seen = new Set<string>();

export function logOnce(kind: string, err: unknown): void {
  if (seen.has(kind)) return;
  seen.add(kind);
  console.error(`mirrorhop: ${kind}: ${err instanceof Error ? err.message : String(err)}`);
}
