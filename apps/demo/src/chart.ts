/** One line on the chart: values per epoch, or at the given `x` positions (NaN skipped). */
export interface Series {
  label: string;
  values: number[];
  color: string;
  /** Where each value sits on the x axis (training steps, say); default epochs 1, 2, ... */
  x?: number[];
}

/** Up to about 5 round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((m) => m >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

const W = 420;
const H = 260;
const PAD = { left: 52, right: 16, top: 30, bottom: 40 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceRange(values: number[], clampLow?: number, clampHigh?: number): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (!finite.length) return [0, 1];
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  if (clampLow !== undefined) lo = Math.max(lo, clampLow);
  if (clampHigh !== undefined) hi = Math.min(hi, clampHigh);
  return [lo, hi];
}

/** One panel: axes, 5 horizontal grid lines with labels, epoch ticks, a polyline + dots per series, a legend. */
function panel(
  title: string,
  series: Series[],
  x0: number,
  format: (v: number) => string,
  clamp: [number?, number?],
  legendAtTop: boolean,
): string {
  const xs = (t: Series): number[] => t.x ?? t.values.map((_, e) => e + 1);
  const allX = series.flatMap(xs);
  const [x1, x2] = [Math.min(...allX), Math.max(...allX)];
  const [lo, hi] = niceRange(
    series.flatMap((s) => s.values),
    clamp[0],
    clamp[1],
  );
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const px = (x: number): number => x0 + PAD.left + (x2 <= x1 ? iw / 2 : ((x - x1) / (x2 - x1)) * iw);
  const py = (v: number): number => PAD.top + (1 - (v - lo) / (hi - lo)) * ih;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  );
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    const y = py(v).toFixed(1);
    out.push(`<line x1="${x0 + PAD.left}" y1="${y}" x2="${x0 + W - PAD.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${x0 + PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#555">${format(v)}</text>`,
    );
  }
  const byEpoch = series.every((t) => !t.x);
  const xTicks = byEpoch ? Array.from({ length: x2 }, (_, e) => e + 1) : ticks(x1, x2);
  for (const x of xTicks) {
    out.push(
      `<text x="${px(x).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#555">${x}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + PAD.left + iw / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="#333">${byEpoch ? 'epoch' : 'step'}</text>`,
  );
  out.push(
    `<rect x="${x0 + PAD.left}" y="${PAD.top}" width="${iw}" height="${ih}" fill="none" stroke="#999"/>`,
  );
  series.forEach((s, i) => {
    const at = xs(s);
    const pts = s.values
      .map((v, e) => (Number.isFinite(v) ? `${px(at[e]).toFixed(1)},${py(v).toFixed(1)}` : ''))
      .filter(Boolean);
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    // Dots only where there are few points: a curve of hundreds of steps is a line.
    for (const p of pts.length <= 40 ? pts : []) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    // The legend goes where the curves are not: top right for falling ones, bottom right for rising ones.
    const ly = legendAtTop ? PAD.top + 14 + i * 16 : H - PAD.bottom - 14 - (series.length - 1 - i) * 16;
    const lx = x0 + W - PAD.right - 110;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(
      `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle" font-size="11">${esc(s.label)}</text>`,
    );
  });
  return out.join('\n  ');
}

/** A one-panel SVG of loss curves over training steps (each series with its own `x`). */
export function lossChart(title: string, loss: Series[]): string {
  const body = panel('Loss (nats per character)', loss, 0, (v) => v.toFixed(2), [0, undefined], true);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 24}" viewBox="0 -24 ${W} ${H + 24}" font-family="sans-serif">
  <title>${esc(title)}</title>
  <rect x="0" y="-24" width="${W}" height="${H + 24}" fill="white"/>
  <text x="${W / 2}" y="-6" text-anchor="middle" font-size="11" fill="#333">${esc(title)}</text>
  ${body}
</svg>
`;
}

/** A two-panel SVG (loss on the left, accuracy on the right), written by hand: no dependency. */
export function lossAccuracyChart(title: string, loss: Series[], accuracy: Series[]): string {
  const body = [
    panel('Loss', loss, 0, (v) => v.toFixed(3), [0, undefined], true),
    panel('Accuracy (%)', accuracy, W, (v) => v.toFixed(1), [undefined, 100], false),
  ].join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 24}" viewBox="0 -24 ${2 * W} ${H + 24}" font-family="sans-serif">
  <title>${esc(title)}</title>
  <rect x="0" y="-24" width="${2 * W}" height="${H + 24}" fill="white"/>
  <text x="${W}" y="-6" text-anchor="middle" font-size="13" fill="#333">${esc(title)}</text>
  ${body}
</svg>
`;
}
