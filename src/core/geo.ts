/** Countries, continents and distances. Codes are ISO 3166-1 alpha-2, upper case, as request.cf gives them. */

// Continent of each country as Cloudflare's request.cf.continent reports it.
const CONTINENT_COUNTRIES: Record<string, string> = {
  AF: "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
  AN: "AQ BV GS HM TF",
  AS: "AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE",
  EU: "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
  NA: "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI",
  OC: "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
  SA: "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
};

const CONTINENT_OF = new Map<string, string>();
for (const [continent, list] of Object.entries(CONTINENT_COUNTRIES)) {
  for (const cc of list.split(" ")) CONTINENT_OF.set(cc, continent);
}

export const CONTINENTS = Object.keys(CONTINENT_COUNTRIES);

export function continentOf(country: string | undefined): string | undefined {
  return country ? CONTINENT_OF.get(country.toUpperCase()) : undefined;
}

/** An ISO 3166-1 alpha-2 code the platform reports (upper case). */
export function isKnownCountry(cc: string): boolean {
  return CONTINENT_OF.has(cc);
}

/** Codes people write that the platform never reports, and the one it does. */
export const COUNTRY_ALIASES: Readonly<Record<string, string>> = { UK: "GB", EL: "GR" };

export function isCountryCode(s: string): boolean {
  return /^[A-Z]{2}$/.test(s);
}

/** Great-circle distance in kilometres (haversine, mean Earth radius). */
const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

export type UnitVector = readonly [number, number, number];

/** The point on the unit sphere: two of them give a bound on their distance with no trigonometry. */
export function unitVector(lat: number, lon: number): UnitVector {
  const rad = Math.PI / 180;
  const c = Math.cos(lat * rad);
  return [c * Math.cos(lon * rad), c * Math.sin(lon * rad), Math.sin(lat * rad)];
}

/**
 * A lower bound of distanceKm between two points: the chord is never longer than the arc. The
 * margins cover rounding (the chord's cancellation near zero, the haversine's own), so the bound
 * holds for the computed distance too, not only the true one.
 */
export function distanceKmAtLeast(a: UnitVector, b: UnitVector): number {
  return distanceKmAtLeastXyz(a[0], a[1], a[2], b);
}

/** `distanceKmAtLeast` with the first point's coordinates apart, for tables that keep them flat. */
export function distanceKmAtLeastXyz(x: number, y: number, z: number, b: UnitVector): number {
  const dx = x - b[0];
  const dy = y - b[1];
  const dz = z - b[2];
  return Math.max(0, EARTH_RADIUS_KM * Math.sqrt(dx * dx + dy * dy + dz * dz) * (1 - 1e-9) - 1e-6);
}
