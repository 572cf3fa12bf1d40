import type { IpAddress } from "../core/ip.js";
import type { Scheme } from "../core/mirror.js";

/** The client as the platform (or, in development, the debug headers) describes it. */
export interface Client {
  ip?: IpAddress;
  ipText?: string;
  country?: string;
  continent?: string;
  asn?: number;
  lat?: number;
  lon?: number;
  /** Set when ?country= replaced the platform's location: the IP then only decides family and stickiness. */
  locatedByOverride?: true;
}

export interface SelectionRequest {
  /** Canonical index path of the file. */
  path: string;
  scheme: Scheme;
  client: Client;
  /**
   * The platform's own view of the client, set when an override (?country=) replaced `client`:
   * overrides change the ranking, never what a mirror's policy permits, so allow and deny lists
   * and confinement are judged on this one.
   */
  platform?: Client;
  /** Countries the client asked to avoid (?avoid=). */
  avoid: string[];
  /** Unix seconds: release gating compares it with the file's age. */
  now: number;
  /** Salt mixed into the stickiness key; set for ?newmirror so the client gets a fresh weighted draw. */
  salt?: string;
}
