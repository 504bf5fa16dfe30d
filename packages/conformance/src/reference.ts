/** One test per PyTorch reference case: forward values, shapes and dtypes, then gradients. */
import { add, dispose, isTensor, mul, sum, type Tensor, tensor } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { closeMismatch, exactMismatch, shapeMismatch, values } from './compare.js';
import {
  flatValues,
  indexedTensorCases,
  isRefTensor,
  loadCases,
  type RefCase,
  type RefTensor,
  TENSOR_CATEGORIES,
} from './fixtures.js';
import { operands, runnerFor } from './ops-table.js';

/** A float32 tensor needing a gradient for float inputs; int64 becomes int32 and bool stays bool. */
export function fromRef(t: RefTensor, requiresGrad: boolean): Tensor {
  const flat = flatValues(t);
  switch (t.dtype) {
    case 'float32':
    case 'float64':
      return tensor(Float32Array.from(flat), { shape: t.shape, dtype: 'float32', requiresGrad });
    case 'int64':
      return tensor(Int32Array.from(flat), { shape: t.shape, dtype: 'int32' });
    case 'bool':
      return tensor(Uint8Array.from(flat), { shape: t.shape, dtype: 'bool' });
  }
}

const EXPECTED_DTYPE: Record<RefTensor['dtype'], string> = {
  float32: 'float32',
  float64: 'float32',
  int64: 'int32',
  bool: 'bool',
};

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
  if (got.dtype !== EXPECTED_DTYPE[want.dtype])
    problems.push(`${what}: dtype ${got.dtype}, expected ${EXPECTED_DTYPE[want.dtype]}`);
  if (shape) return problems;
  const g = await values(got);
  const w = flatValues(want);
  const mismatch =
    want.dtype === 'int64' || want.dtype === 'bool' ? exactMismatch(g, w) : closeMismatch(g, w, c.tolerance);
  if (mismatch) problems.push(`${what}: ${mismatch}`);
  return problems;
}

/** Runs one case; returns every mismatch found (forward and backward). */
export async function runReferenceCase(c: RefCase): Promise<string[]> {
  const run = runnerFor(c);
  const inputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(c.inputs))
    inputs[name] = fromRef(t, t.dtype === 'float32' || t.dtype === 'float64');
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
  it('every indexed case of the tensor categories is loaded (153 in the public split)', () => {
    const loaded = TENSOR_CATEGORIES.flatMap((cat) =>
      loadCases(cat).map((c) => `${c.category}/${c.name}`),
    ).sort();
    expect(loaded).toEqual(indexedTensorCases());
    expect(loaded.length).toBe(153);
  });
  for (const category of TENSOR_CATEGORIES) {
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
    });
  }
}
