/**
 * How often the cron probes each mirror URL, and how soon it marks a dead one down, from the
 * per-round budget and the cron's interval (docs/health.md, "Within the platform's limits").
 */

export interface ProbePeriod {
  /** Mirror URLs to probe: one per enabled mirror and client scheme. */
  targets: number;
  /** Mirror URLs a round probes: the budget less the origin's own trace. */
  perRound: number;
  rounds: number;
  periodMinutes: number;
  /** `down_after` failed probes in a row, each a period apart. */
  downAfterMinutes: number;
}

export function probePeriod(targets: number, maxProbesPerRun: number, cronMinutes: number, downAfter: number): ProbePeriod {
  const perRound = Math.max(1, maxProbesPerRun - 1);
  const rounds = Math.max(1, Math.ceil(targets / perRound));
  return { targets, perRound, rounds, periodMinutes: rounds * cronMinutes, downAfterMinutes: rounds * cronMinutes * downAfter };
}

export function minutesText(m: number): string {
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
