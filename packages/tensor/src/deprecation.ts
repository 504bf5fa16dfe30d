const warned = new Set<string>();

/**
 * Warns once per program that `what` is deprecated and names its replacement: old spellings keep
 * working through 0.x and go at 1.0.
 */
export function warnDeprecated(what: string, use: string): void {
  if (warned.has(what)) return;
  warned.add(what);
  console.warn(`nn: ${what} is deprecated and will be removed in 1.0; use ${use}`);
}
