import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './shape.js';
import { assertTensor, backendOf } from './util.js';

/** A tensor with one label per dim (letters, or '…0', '…1' for the dims an ellipsis covers). */
interface Labelled {
  t: Tensor;
  labels: string[];
}

const LETTER = /^[a-zA-Z]$/;

/** Splits one term into labels; '...' covers the dims the letters leave of `rank` (or `width` for the output). */
function termLabels(eq: string, term: string, rank: number | null, width: number): string[] {
  const parts = term.split('...');
  if (parts.length > 2) throw new ValueError(`einsum: '${eq}' has more than one ellipsis in term '${term}'`);
  for (const ch of parts.join('')) {
    if (!LETTER.test(ch))
      throw new ValueError(`einsum: '${eq}' has '${ch}' in term '${term}'; labels are letters a-z, A-Z`);
  }
  const head = [...parts[0]];
  if (parts.length === 1) return head;
  const tail = [...parts[1]];
  const n = rank === null ? width : rank - head.length - tail.length;
  const ell = Array.from({ length: n }, (_, i) => `…${width - n + i}`);
  return [...head, ...ell, ...tail];
}

/** Sums `drop` out of x (labels kept in order). */
function sumOut(x: Labelled, drop: (l: string) => boolean): Labelled {
  const dims = x.labels.flatMap((l, i) => (drop(l) ? [i] : []));
  if (dims.length === 0) return x;
  return { t: sum(x.t, { dim: dims }), labels: x.labels.filter((l) => !drop(l)) };
}

/** x permuted to `order`, with size-1 dims expanded to `sizes`, as [prod(groups[0]), prod(groups[1]), ...]. */
function grouped(x: Labelled, groups: string[][], sizes: Map<string, number>): Tensor {
  const order = groups.flat();
  const p = permute(
    x.t,
    order.map((l) => x.labels.indexOf(l)),
  );
  const e = expand(
    p,
    order.map((l) => sizes.get(l) as number),
  );
  return reshape(
    e,
    groups.map((g) => g.reduce((n, l) => n * (sizes.get(l) as number), 1)),
  );
}

/** One pairwise contraction as a batched matmul: [batch, left, k] @ [batch, k, right]. */
function contract(a: Labelled, b: Labelled, later: Set<string>, sizes: Map<string, number>): Labelled {
  const batch = a.labels.filter((l) => b.labels.includes(l) && later.has(l));
  const shared = a.labels.filter((l) => b.labels.includes(l) && !later.has(l));
  const left = a.labels.filter((l) => !b.labels.includes(l));
  const right = b.labels.filter((l) => !a.labels.includes(l));
  const A = grouped(a, [batch, left, shared], sizes);
  const B = grouped(b, [batch, shared, right], sizes);
  const labels = [...batch, ...left, ...right];
  const out = reshape(
    matmul(A, B),
    labels.map((l) => sizes.get(l) as number),
  );
  return { t: out, labels };
}

/**
 * Einstein summation (PyTorch's einsum) over floating point operands: any number of operands,
 * implicit or explicit output, '...' for broadcast dims, size-1 dims broadcasting. Contracted
 * left to right, each step one batched matmul. A label repeated within one operand (a diagonal)
 * is not supported and raises a ValueError. The contractions run in one scope, which frees every
 * partial product.
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== 'string')
    throw new ValueError(`einsum: equation must be a string, got ${typeof equation}`);
  const ops = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  ops.forEach((t, i) => {
    assertTensor('einsum', `operands[${i}]`, t);
  });
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs, ...extra] = eq.split('->');
  if (extra.length) throw new ValueError(`einsum: '${equation}' has more than one '->'`);
  const terms = lhs.split(',');
  if (ops.length === 0 || terms.length !== ops.length) {
    throw new ValueError(
      `einsum: '${equation}' has ${terms.length} input term(s) but ${ops.length} operand(s) were given`,
    );
  }
  backendOf('einsum', ...ops);
  ops.forEach((t) => {
    if (!isFloat(t.dtype))
      throw new DTypeError(
        `einsum: operands must be floating point, got ${t.dtype} of shape ${fmtShape(t.shape)}`,
      );
  });
  let width = 0;
  terms.forEach((term, i) => {
    const explicit = term.replace('...', '').length;
    if (term.includes('...')) width = Math.max(width, ops[i].ndim - explicit);
  });
  const inputs: Labelled[] = terms.map((term, i) => {
    const labels = termLabels(eq, term, ops[i].ndim, width);
    if (labels.length !== ops[i].ndim) {
      throw new ShapeError(
        `einsum: term '${term}' of '${equation}' has ${labels.length} labels but operand ${i} has shape ${fmtShape(ops[i].shape)}`,
      );
    }
    const dup = labels.find((l, k) => labels.indexOf(l) !== k);
    if (dup) {
      throw new ValueError(
        `einsum: label '${dup}' repeats within term '${term}' of '${equation}' (diagonals are not supported)`,
      );
    }
    return { t: ops[i], labels };
  });
  const sizes = new Map<string, number>();
  for (const { t, labels } of inputs) {
    labels.forEach((l, k) => {
      const have = sizes.get(l);
      const s = t.shape[k];
      if (have === undefined || have === 1) sizes.set(l, s);
      else if (s !== 1 && s !== have) {
        throw new ShapeError(
          `einsum: label '${l.startsWith('…') ? '...' : l}' of '${equation}' has sizes ${have} and ${s} (operands ${inputs.map((x) => fmtShape(x.t.shape)).join(', ')})`,
        );
      }
    });
  }
  const counts = new Map<string, number>();
  for (const x of inputs) for (const l of x.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let output: string[];
  if (rhs === undefined) {
    const ell = Array.from({ length: width }, (_, i) => `…${i}`);
    output = [...ell, ...[...counts.keys()].filter((l) => !l.startsWith('…') && counts.get(l) === 1).sort()];
  } else {
    output = termLabels(eq, rhs, null, width);
    for (const l of output) {
      if (!counts.has(l)) {
        if (l.startsWith('…')) continue;
        throw new ValueError(`einsum: output label '${l}' of '${equation}' appears in no input term`);
      }
    }
    const dup = output.find((l, k) => output.indexOf(l) !== k);
    if (dup) throw new ValueError(`einsum: output label '${dup}' repeats in '${equation}'`);
    output = output.filter((l) => counts.has(l));
  }

  const neededAfter = (k: number): Set<string> => {
    const s = new Set(output);
    for (let j = k + 1; j < inputs.length; j++) for (const l of inputs[j].labels) s.add(l);
    return s;
  };
  return tidy(() => {
    // Labels only one operand has and nobody needs later are summed before any product.
    let cur = sumOut(inputs[0], (l) => !neededAfter(0).has(l));
    for (let k = 1; k < inputs.length; k++) {
      const later = neededAfter(k);
      const b = sumOut(inputs[k], (l) => !later.has(l) && !cur.labels.includes(l));
      const a = sumOut(cur, (l) => !later.has(l) && !b.labels.includes(l));
      cur = contract(a, b, later, sizes);
    }
    const last = sumOut(cur, (l) => !output.includes(l));
    // Broadcast size-1 dims up to their label's size, then order as the output asks.
    const y = permute(
      last.t,
      output.map((l) => last.labels.indexOf(l)),
    );
    const full = output.map((l) => sizes.get(l) as number);
    return y.shape.some((s, i) => s !== full[i]) ? expand(y, full) : y;
  });
}

/** The outer product of two vectors: out[i, j] = a[i] * b[j]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  assertTensor('outer', 'input', a);
  assertTensor('outer', 'vec2', b);
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`outer: expects two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  backendOf('outer', a, b);
  return tidy(() => mul(reshape(a, [a.shape[0], 1]), b));
}
