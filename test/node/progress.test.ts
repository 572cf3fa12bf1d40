/** Progress on long jobs says how fast it goes and how long the rest takes. */

import { describe, expect, it } from "vitest";
import { rateAndEta } from "../../scripts/cli/progress.js";

describe("progress rate and ETA", () => {
  it("gives the rate so far and the time left at it, in units people read", () => {
    const MiB = 1048576;
    expect(rateAndEta(100 * MiB, 900 * MiB, 10_000, "bytes")).toBe("10.0 MiB/s, 80 s left");
    expect(rateAndEta(100 * MiB, 10_000 * MiB, 10_000, "bytes")).toBe("10.0 MiB/s, 17 min left");
    expect(rateAndEta(10 * MiB, 100_000 * MiB, 10_000, "bytes")).toBe("1.0 MiB/s, 27.8 h left");
    expect(rateAndEta(3, 40, 2000, "items")).toBe("1.5/s, 25 s left");
    expect(rateAndEta(400, 400, 2000, "items")).toBe("200/s");
    // Nothing to say before a second has passed or anything is done.
    expect(rateAndEta(5, 10, 500, "items")).toBe("");
    expect(rateAndEta(0, 10, 5000, "items")).toBe("");
  });
});
