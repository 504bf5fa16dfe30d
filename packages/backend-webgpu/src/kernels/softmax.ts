import type { TensorView } from '@nn/tensor';
import { numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta } from '../wgsl.js';
import { withContiguous } from './fused.js';

const WG = 64;

/** Rows along `axis` of a contiguous tensor: element j of row r sits at base(r) + j * inner. */
function rowMeta(shape: readonly number[], axis: number): { m: Meta; rows: number } {
  const L = shape[axis];
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  const m = new Meta();
  m.u32(outer * inner);
  m.u32(L);
  m.u32(inner);
  return { m, rows: outer * inner };
}

// Slots 0 rows, 1 L, 2 inner, then the inputs' offsets from slot 3.
const ROW = `
  let r = gid;
  if (r >= mu(0u)) { return; }
  let L = mu(1u);
  let inner = mu(2u);
  let base = (r / inner) * L * inner + r % inner;`;

/** One invocation per row: max, then the sum of exponentials, then the outputs. */
export function softmax(rt: Runtime, x: TensorView, axis: number, log: boolean): GPUBuffer {
  return withContiguous(rt, [x], ([xc]) => {
    const n = numel(x.shape);
    const out = rt.createBuffer(n * 4);
    if (n === 0) return out;
    const { m, rows } = rowMeta(x.shape, axis);
    m.u32(xc.offset);
    const source = (): string => {
      const body = `${ROW}
  let o = mu(3u);
  var mx = -inf_f();
  for (var j = 0u; j < L; j++) { mx = max_f(mx, x[o + base + j * inner]); }
  if (mx == -inf_f() || mx == inf_f()) { mx = select(mx, 0.0, mx == -inf_f()); }
  var s = 0.0;
  for (var j = 0u; j < L; j++) { s += exp(x[o + base + j * inner] - mx); }
  ${
    log
      ? // (x - mx) - log(s): x - mx is exact near the max; x - (mx + log(s)) loses digits of large logits.
        'let ls = log(s);\n  for (var j = 0u; j < L; j++) { out[base + j * inner] = (x[o + base + j * inner] - mx) - ls; }'
      : 'let inv = 1.0 / s;\n  for (var j = 0u; j < L; j++) { out[base + j * inner] = exp(x[o + base + j * inner] - mx) * inv; }'
  }`;
      return header([{ name: 'x', type: 'f32' }], [{ name: 'out', type: 'f32' }]) + entry(WG, body);
    };
    rt.dispatch(
      { key: `softmax:${log}`, inputs: 1, outputs: 1, source },
      [xc.storage as GPUBuffer],
      [out],
      m.u,
      Math.ceil(rows / WG),
    );
    return out;
  });
}

/** softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy). */
export function softmaxBackward(
  rt: Runtime,
  y: TensorView,
  dy: TensorView,
  axis: number,
  log: boolean,
): GPUBuffer {
  return withContiguous(rt, [y, dy], ([yc, dyc]) => {
    const n = numel(y.shape);
    const out = rt.createBuffer(n * 4);
    if (n === 0) return out;
    const { m, rows } = rowMeta(y.shape, axis);
    m.u32(yc.offset);
    m.u32(dyc.offset);
    const source = (): string => {
      const body = `${ROW}
  let oy = mu(3u);
  let od = mu(4u);
  var s = 0.0;
  for (var j = 0u; j < L; j++) { let k = base + j * inner; s += ${log ? 'dy[od + k]' : 'dy[od + k] * y[oy + k]'}; }
  for (var j = 0u; j < L; j++) {
    let k = base + j * inner;
    out[k] = ${log ? 'dy[od + k] - exp(y[oy + k]) * s' : 'y[oy + k] * (dy[od + k] - s)'};
  }`;
      return (
        header(
          [
            { name: 'y', type: 'f32' },
            { name: 'dy', type: 'f32' },
          ],
          [{ name: 'out', type: 'f32' }],
        ) + entry(WG, body)
      );
    };
    rt.dispatch(
      { key: `softmaxBackward:${log}`, inputs: 2, outputs: 1, source },
      [yc.storage as GPUBuffer, dyc.storage as GPUBuffer],
      [out],
      m.u,
      Math.ceil(rows / WG),
    );
    return out;
  });
}
