/** One test per PyTorch reference case: forward values, shapes and dtypes, then gradients. */
import { add, dispose, isTensor, mul, permute, reshape, sum, type Tensor, tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { closeMismatch, exactMismatch, shapeMismatch, values } from './compare.js';
import {
  flatValues,
  GENERATED_CATEGORIES,
  indexedTensorCases,
  isRefTensor,
  loadCases,
  type RefCase,
  type RefTensor,
  TENSOR_CATEGORIES,
} from './fixtures.js';
import { operands, runnerFor } from './ops-table.js';
import { permute as permuteNd } from './oracle.js';

/**
 * How a case's inputs are laid out in storage: packed; as views with an offset and permuted or
 * stepped strides; or packed after an offset (for `view`, which needs compatible strides).
 */
export type Layout = 'contiguous' | 'strided' | 'offset';

const STORED: Record<RefTensor['dtype'], 'float32' | 'int32' | 'bool'> = {
  float32: 'float32',
  float64: 'float32',
  int64: 'int32',
  bool: 'bool',
};

/** Values a correct kernel never reads: they sit in the gaps of a strided input. */
const FILLER: Record<'float32' | 'int32' | 'bool', number> = { float32: 1e6, int32: 12345, bool: 1 };

function upload(data: number[], shape: number[], dtype: 'float32' | 'int32' | 'bool'): Tensor {
  const typed =
    dtype === 'float32'
      ? Float32Array.from(data)
      : dtype === 'int32'
        ? Int32Array.from(data)
        : Uint8Array.from(data);
  return tensor(typed, { shape, dtype });
}

/**
 * The same values as a view whose storage is laid out differently: rank >= 2 as a permutation
 * (reversed dims) of a buffer with one leading filler element; rank 0 and 1 as every other
 * element of a buffer starting with a filler; unpermuted, just shifted by the filler. Kernels must
 * honour offset and strides.
 */
function stridedView(
  flat: number[],
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  permuted: boolean,
): Tensor {
  const filler = FILLER[dtype];
  if (shape.length >= 2 || !permuted) {
    const rev = shape.map((_, i) => (permuted ? shape.length - 1 - i : i));
    const stored = permuteNd({ shape, data: flat }, rev);
    const buffer = upload([filler, ...stored.data], [1 + flat.length], dtype);
    const shifted = buffer.index({ start: 1, stop: null, step: null });
    const packed = reshape(shifted, stored.shape);
    const view = permute(packed, rev);
    dispose([buffer, shifted, packed]);
    return view;
  }
  const n = shape.length === 0 ? 1 : shape[0];
  const data = new Array<number>(2 * n + 1).fill(filler);
  flat.forEach((v, i) => {
    data[2 * i + 1] = v;
  });
  const buffer = upload(data, [2 * n + 1], dtype);
  const view = shape.length === 0 ? buffer.index(1) : buffer.index({ start: 1, stop: null, step: 2 });
  buffer.dispose();
  return view;
}

/** A reference tensor as float32 (needing a gradient when asked), int64 as int32, bool as bool. */
export function fromRef(t: RefTensor, requiresGrad: boolean, layout: Layout = 'contiguous'): Tensor {
  const flat = flatValues(t);
  const dtype = STORED[t.dtype];
  const x =
    layout === 'contiguous'
      ? upload(flat, t.shape, dtype)
      : stridedView(flat, t.shape, dtype, layout === 'strided');
  if (requiresGrad && dtype === 'float32') x.requiresGrad = true;
  return x;
}

function named(v: RefTensor | Record<string, RefTensor>): Record<string, RefTensor> {
  return isRefTensor(v) ? { output: v } : v;
}

/** Problems with one output (empty when it matches). */
async function checkTensor(
  what: string,
  got: Tensor | null | undefined,
  want: RefTensor,
  c: RefCase,
): Promise<string[]> {
  if (!got) return [`${what}: missing`];
  const problems: string[] = [];
  const shape = shapeMismatch(got.shape, want.shape);
  if (shape) problems.push(`${what}: ${shape}`);
  if (got.dtype !== STORED[want.dtype])
    problems.push(`${what}: dtype ${got.dtype}, expected ${STORED[want.dtype]}`);
  if (shape) return problems;
  const g = await values(got);
  const w = flatValues(want);
  const mismatch =
    want.dtype === 'int64' || want.dtype === 'bool' ? exactMismatch(g, w) : closeMismatch(g, w, c.tolerance);
  if (mismatch) problems.push(`${what}: ${mismatch}`);
  return problems;
}

/** Runs one case; returns every mismatch found (forward and backward). */
export async function runReferenceCase(c: RefCase, layout: Layout = 'contiguous'): Promise<string[]> {
  const run = runnerFor(c);
  const inputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(c.inputs)) inputs[name] = fromRef(t, true, layout);
  const made: Tensor[] = [];
  try {
    const args = operands(c, inputs);
    made.push(...Object.values(args).filter((t) => !Object.values(inputs).includes(t)));
    const result = run(args, c.config, c);
    const outputs: Record<string, Tensor> = isTensor(result) ? { output: result } : result;
    made.push(...Object.values(outputs));
    if (isRefTensor(c.output) !== isTensor(result)) {
      return [
        `op returned ${isTensor(result) ? 'one tensor' : 'named outputs'}; the reference has the other form`,
      ];
    }
    const problems: string[] = [];
    for (const [name, want] of Object.entries(named(c.output))) {
      problems.push(
        ...(await checkTensor(name === 'output' ? name : `output ${name}`, outputs[name], want, c)),
      );
    }
    if (Object.keys(c.grads).length === 0) return problems;
    if (!c.grad_output) return [...problems, 'case has grads but no grad_output'];

    // loss = sum_k sum(output_k * G_k), as the reference computed it.
    let loss: Tensor | null = null;
    for (const [name, g] of Object.entries(named(c.grad_output))) {
      const out = outputs[name];
      if (!out) return [...problems, `no output '${name}' to weight with grad_output`];
      const G = fromRef(g, false);
      const weighted = mul(out, G);
      const term = sum(weighted);
      made.push(G, weighted, term);
      loss = loss ? add(loss, term) : term;
      made.push(loss);
    }
    if (!loss) return [...problems, 'grad_output names no output'];
    loss.backward();
    for (const [name, want] of Object.entries(c.grads)) {
      problems.push(...(await checkTensor(`grad of ${name}`, inputs[name]?.grad, want, c)));
    }
    return problems;
  } finally {
    for (const t of Object.values(inputs)) t.zeroGrad();
    dispose([...made, ...Object.values(inputs)]);
  }
}

/** Registers one `it` per case of the tensor categories. */
export function registerReferenceTests(): void {
  it('every indexed case of the tensor categories is loaded (192 in the public split)', () => {
    const loaded = TENSOR_CATEGORIES.flatMap((cat) =>
      loadCases(cat).map((c) => `${c.category}/${c.name}`),
    ).sort();
    expect(loaded).toEqual(indexedTensorCases());
    expect(loaded.length).toBe(192);
  });
  it('strided inputs really are offset, non-contiguous views', () => {
    const ref: RefTensor = {
      shape: [2, 3],
      dtype: 'float32',
      data: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    };
    const vec: RefTensor = { shape: [3], dtype: 'int64', data: [0, 1, 2] };
    const views = [
      fromRef(ref, false, 'strided'),
      fromRef(vec, false, 'strided'),
      fromRef(ref, false, 'offset'),
    ];
    expect(views.map((v) => [v.isContiguous, v.offset, [...v.shape]])).toEqual([
      [false, 1, [2, 3]],
      [false, 1, [3]],
      [true, 1, [2, 3]],
    ]);
    dispose(views);
  });
  it('every generated attention case is loaded (19, from fixtures/sdpa/generate.py)', () => {
    expect(loadCases('sdpa').length).toBe(19);
  });
  for (const category of [...TENSOR_CATEGORIES, ...GENERATED_CATEGORIES]) {
    const cases = loadCases(category);
    describe(`reference ${category} (${cases.length} PyTorch cases)`, () => {
      it('has cases', () => {
        expect(cases.length).toBeGreaterThan(0);
      });
      for (const c of cases) {
        it(`${c.name}: ${c.expr}`, async () => {
          const problems = await runReferenceCase(c);
          expect(problems, `${c.category}/${c.name} (${c.expr})`).toEqual([]);
        });
      }
      // The same cases with every input a strided view (offset, permuted or stepped storage).
      for (const c of cases) {
        it(`${c.name} with strided inputs`, async () => {
          // `view` needs strides compatible with the new shape, as in PyTorch: only offset it.
          const problems = await runReferenceCase(c, c.op === 'view' ? 'offset' : 'strided');
          expect(problems, `${c.category}/${c.name} (${c.expr}), strided inputs`).toEqual([]);
        });
      }
    });
  }
}
