import type { TensorView } from '@nn/tensor';
import { numel } from '../layout.js';
import type { Runtime } from '../runtime.js';
import { entry, header, Meta, wgslType } from '../wgsl.js';
import { withContiguous } from './fused.js';

const WG = 256;

/**
 * Stable argsort along `axis`: each row is padded to a power of two P and sorted by a bitonic
 * network over (value, position) pairs, one dispatch per stage. Pairs are distinct, so the
 * network's result is the stable order; padding sorts last, NaN as the largest value.
 */
export function argsort(rt: Runtime, x: TensorView, axis: number, descending: boolean): GPUBuffer {
  return withContiguous(rt, [x], ([xc]) => {
    const n = numel(x.shape);
    const out = rt.createBuffer(n * 4);
    if (n === 0) return out;
    const len = x.shape[axis];
    const inner = numel(x.shape.slice(axis + 1));
    const rows = n / len;
    let p = 1;
    while (p < len) p *= 2;
    const type = wgslType(x.dtype);
    const keys = rt.createBuffer(rows * p * 4);
    const pos = rt.createBuffer(rows * p * 4);
    const rowBase = `let base = (r / inner) * len * inner + r % inner;`;

    const init = new Meta();
    init.u32(rows * p);
    init.u32(p);
    init.u32(len);
    init.u32(inner);
    init.u32(xc.offset);
    rt.dispatch(
      {
        key: `argsort-init:${type}`,
        inputs: 1,
        outputs: 2,
        source: () =>
          header(
            [{ name: 'x', type }],
            [
              { name: 'keys', type },
              { name: 'pos', type: 'u32' },
            ],
          ) +
          entry(
            WG,
            `
  if (gid >= mu(0u)) { return; }
  let p = mu(1u); let len = mu(2u); let inner = mu(3u);
  let r = gid / p; let j = gid % p;
  ${rowBase}
  pos[gid] = j;
  if (j < len) { keys[gid] = x[mu(4u) + base + j * inner]; } else { keys[gid] = ${type}(0); }`,
          ),
      },
      [xc.storage as GPUBuffer],
      [keys, pos],
      init.u,
      Math.ceil((rows * p) / WG),
    );

    const nanRule =
      type === 'f32'
        ? `let an = is_nan(ka); let bn = is_nan(kb);
  if (an || bn) { if (an && bn) { return ia < ib; } return ${descending ? 'an' : 'bn'}; }`
        : '';
    const stepSource = (): string =>
      header(
        [],
        [
          { name: 'keys', type },
          { name: 'pos', type: 'u32' },
        ],
      ) +
      `
fn before(ka: ${type}, ia: u32, kb: ${type}, ib: u32) -> bool {
  let len = mu(4u);
  if (ia >= len) { return false; }
  if (ib >= len) { return true; }
  ${nanRule}
  if (ka < kb) { return ${descending ? 'false' : 'true'}; }
  if (ka > kb) { return ${descending ? 'true' : 'false'}; }
  return ia < ib;
}` +
      entry(
        WG,
        `
  if (gid >= mu(0u)) { return; }
  let p = mu(1u); let k = mu(2u); let j = mu(3u);
  let half = p / 2u;
  let r = gid / half; let t = gid % half;
  let i = (t / j) * 2u * j + t % j;
  let a = r * p + i; let b = a + j;
  let ka = keys[a]; let ia = pos[a]; let kb = keys[b]; let ib = pos[b];
  let up = (i & k) == 0u;
  if (select(before(ka, ia, kb, ib), before(kb, ib, ka, ia), up)) {
    keys[a] = kb; pos[a] = ib; keys[b] = ka; pos[b] = ia;
  }`,
      );
    for (let k = 2; k <= p; k *= 2) {
      for (let j = k / 2; j >= 1; j /= 2) {
        const m = new Meta();
        m.u32((rows * p) / 2);
        m.u32(p);
        m.u32(k);
        m.u32(j);
        m.u32(len);
        rt.dispatch(
          { key: `argsort-step:${type}:${descending}`, inputs: 0, outputs: 2, source: stepSource },
          [],
          [keys, pos],
          m.u,
          Math.ceil((rows * p) / 2 / WG),
        );
      }
    }

    const fin = new Meta();
    fin.u32(n);
    fin.u32(p);
    fin.u32(len);
    fin.u32(inner);
    rt.dispatch(
      {
        key: 'argsort-out',
        inputs: 1,
        outputs: 1,
        source: () =>
          header([{ name: 'pos', type: 'u32' }], [{ name: 'out', type: 'i32' }]) +
          entry(
            WG,
            `
  if (gid >= mu(0u)) { return; }
  let p = mu(1u); let len = mu(2u); let inner = mu(3u);
  let r = gid / len; let j = gid % len;
  ${rowBase}
  out[base + j * inner] = i32(pos[r * p + j]);`,
          ),
      },
      [pos],
      [out],
      fin.u,
      Math.ceil(n / WG),
    );
    rt.free(keys);
    rt.free(pos);
    return out;
  });
}
