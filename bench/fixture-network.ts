/** A synthetic mirror network for benchmarks: n mirrors across countries and continents. */
import { mirrorWithDefaults, type Mirror } from "../src/core/mirror.js";
import type { FileRecord } from "../src/core/file-record.js";

const PLACES: [string, string, number, number][] = [
  ["DE", "EU", 51, 10],
  ["FR", "EU", 46, 2],
  ["GB", "EU", 54, -2],
  ["SE", "EU", 62, 15],
  ["US", "NA", 39, -98],
  ["CA", "NA", 56, -106],
  ["BR", "SA", -10, -55],
  ["JP", "AS", 36, 138],
  ["IN", "AS", 21, 78],
  ["AU", "OC", -25, 134],
];

export function network(n: number): Mirror[] {
  return Array.from({ length: n }, (_, i) => {
    const [country, continent, lat, lon] = PLACES[i % PLACES.length]!;
    return mirrorWithDefaults({
      id: i,
      name: `mirror${i}`,
      country,
      continent,
      lat,
      lon,
      urls: { http: `http://mirror${i}.example/pub/`, https: `https://mirror${i}.example/pub/` },
      asns: [64500 + (i % 50)],
      prefixes: [`10.${i % 256}.${(i >> 8) % 256}.0/24`],
      weight: 50 + (i % 4) * 50,
    });
  });
}

export function heldByAll(n: number): FileRecord {
  return {
    size: 700 * 1024 * 1024,
    mtime: 1_763_000_000,
    changed: 1_763_000_000,
    sha256: "ab".repeat(32),
    sha1: "cd".repeat(20),
    md5: "ef".repeat(16),
    mirrors: Array.from({ length: n }, (_, i) => i),
  };
}
