/**
 * The training figures of apps/bench's README, read at build time so the benchmark page shows
 * them next to the reader's own and never goes stale: the first table whose header has
 * "MLP s/epoch" (the newest figures), with the heading above it.
 */
export interface ReadmeFigures {
  heading: string;
  /** impl → seconds per epoch as the README writes them (ranges and notes kept). */
  rows: Record<string, { mlp: string; cnn: string }>;
}

export function parseTrainFigures(readme: string): ReadmeFigures | null {
  const lines = readme.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    if (/^#{2,4} /.test(lines[i])) heading = lines[i].replace(/^#+ /, '');
    if (!/^\|.*MLP s\/epoch/.test(lines[i])) continue;
    const header = cells(lines[i]);
    const mlp = header.findIndex((c) => /^MLP s\/epoch/.test(c));
    const cnn = header.findIndex((c) => /^CNN s\/epoch/.test(c));
    const rows: ReadmeFigures['rows'] = {};
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      const c = cells(lines[j]);
      rows[c[0].replace(/ \(.*\)$/, '')] = { mlp: c[mlp] ?? '', cnn: cnn >= 0 ? (c[cnn] ?? '') : '' };
    }
    return { heading, rows };
  }
  return null;
}

function cells(line: string): string[] {
  return line
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
}
