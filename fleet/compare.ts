/** Code-unit string order: the same on every machine and in every locale, so output never depends on either. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
