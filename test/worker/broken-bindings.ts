/**
 * Fault injection: bindings that fail the way an outage does. The real local D1/KV stay
 * underneath for whatever a test leaves working.
 */

export function failingKv(): KVNamespace {
  const fail = () => Promise.reject(new Error("injected KV failure"));
  return { get: fail, getWithMetadata: fail, put: fail, list: fail, delete: fail } as unknown as KVNamespace;
}

export function failingD1(): D1Database {
  const fail = () => {
    throw new Error("injected D1 failure");
  };
  return { prepare: fail, batch: fail, exec: fail, dump: fail, withSession: fail } as unknown as D1Database;
}

export type KvWithSwitch = KVNamespace & { broken: boolean };

/** The real KV binding behind a switch: an outage that starts and ends while the isolate lives. */
export function wrapKv(real: KVNamespace): KvWithSwitch {
  const wrapper = {
    broken: false,
    get: (...args: unknown[]) => (wrapper.broken ? Promise.reject(new Error("injected KV outage")) : (real.get as (...a: unknown[]) => unknown)(...args)),
  };
  return wrapper as unknown as KvWithSwitch;
}

const never = () => new Promise<never>(() => {});

/** A KV binding that accepts every call and never answers: the hung-connection outage. */
export function hangingKv(): KVNamespace {
  return { get: never, getWithMetadata: never, put: never, list: never, delete: never } as unknown as KVNamespace;
}

/** A D1 binding whose statements never answer. */
export function hangingD1(): D1Database {
  const stmt: Record<string, unknown> = { all: never, first: never, raw: never, run: never };
  stmt.bind = () => stmt;
  return { prepare: () => stmt, batch: never, exec: never, withSession: () => ({ prepare: () => stmt, batch: never }) } as unknown as D1Database;
}
