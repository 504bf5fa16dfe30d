/** Output: one JSON object per line for machines, then a table and skip notes for people. */

export type Row = Readonly<Record<string, string | number | boolean>>;

let jsonOnly = false;

export function setJsonOnly(on: boolean): void {
  jsonOnly = on;
}

/** Rounds measured figures so a line stays readable; counts stay exact. */
function tidyNumber(v: number): number {
  if (Number.isInteger(v)) return v;
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 3 : 4;
  return Number(v.toFixed(digits));
}

export function emit(row: Row): void {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'number' ? tidyNumber(v) : v;
  console.log(JSON.stringify(out));
}

/** Text for people: suppressed by --json. */
export function note(text: string): void {
  if (!jsonOnly) console.log(text);
}

export interface Skip {
  readonly impl: string;
  readonly reason: string;
}

/** A text line per skipped impl; with --json, a JSON line `{"bench","impl","skipped"}` instead. */
export function reportSkips(bench: string, skips: readonly Skip[]): void {
  for (const s of skips) skipped({ bench, impl: s.impl }, s.reason);
}

/** One skip: `fields` name what was skipped (bench, impl, maybe model). */
export function skipped(fields: Row, why: string): void {
  if (jsonOnly) emit({ ...fields, skipped: why });
  else note(`${fields.bench}: skipped ${Object.values(fields).slice(1).join(' ')}: ${why}`);
}

/** A plain text table with right-aligned numbers. */
export function table(
  title: string,
  columns: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): void {
  if (jsonOnly || rows.length === 0) return;
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatCell(c) : c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
  console.log('');
}

function formatCell(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
