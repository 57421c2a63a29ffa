/**
 * The countries the demo's server knows, most populous first, and every
 * two-letter code after them (those the server does not know are 404s,
 * as in Fluent Python's "every code" mode).
 *
 * @module
 */

/** Country names by ISO 3166 code, most populous first. */
export const COUNTRIES: ReadonlyMap<string, string> = new Map([
  ["IN", "India"],
  ["CN", "China"],
  ["US", "United States"],
  ["ID", "Indonesia"],
  ["PK", "Pakistan"],
  ["NG", "Nigeria"],
  ["BR", "Brazil"],
  ["BD", "Bangladesh"],
  ["RU", "Russia"],
  ["MX", "Mexico"],
  ["ET", "Ethiopia"],
  ["JP", "Japan"],
  ["PH", "Philippines"],
  ["EG", "Egypt"],
  ["CD", "DR Congo"],
  ["VN", "Vietnam"],
  ["IR", "Iran"],
  ["TR", "Turkey"],
  ["DE", "Germany"],
  ["TH", "Thailand"],
  ["GB", "United Kingdom"],
  ["TZ", "Tanzania"],
  ["FR", "France"],
  ["ZA", "South Africa"],
  ["IT", "Italy"],
  ["KE", "Kenya"],
  ["MM", "Myanmar"],
  ["CO", "Colombia"],
  ["KR", "South Korea"],
  ["SD", "Sudan"],
  ["UG", "Uganda"],
  ["ES", "Spain"],
  ["DZ", "Algeria"],
  ["IQ", "Iraq"],
  ["AR", "Argentina"],
  ["AF", "Afghanistan"],
  ["YE", "Yemen"],
  ["CA", "Canada"],
  ["AO", "Angola"],
  ["UA", "Ukraine"],
  ["MA", "Morocco"],
  ["PL", "Poland"],
  ["UZ", "Uzbekistan"],
  ["MY", "Malaysia"],
  ["MZ", "Mozambique"],
  ["GH", "Ghana"],
  ["PE", "Peru"],
  ["SA", "Saudi Arabia"],
  ["MG", "Madagascar"],
  ["CI", "Ivory Coast"],
]);

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** All 676 two-letter codes: the known countries first. */
export const COUNTRY_CODES: readonly string[] = [
  ...COUNTRIES.keys(),
  ...[...LETTERS].flatMap((a) => [...LETTERS].map((b) => a + b))
    .filter((code) => !COUNTRIES.has(code)),
];
