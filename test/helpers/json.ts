/**
 * Parses a response body the way the apps' json-bigint does for our purposes: integers too long
 * to be exact as JS numbers come back as strings, so tests can compare ids digit for digit.
 */
export function parseBody(body: string): any {
  return JSON.parse(body.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}
