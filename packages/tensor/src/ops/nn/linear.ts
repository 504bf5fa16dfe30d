import type { FusedActivation, TensorView } from '../../backend.js';
import { isFloat } from '../../dtype.js';
import { recordOp, withGradMode } from '../../engine.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../../errors.js';
import { tidy } from '../../memory.js';
import { shapesEqual, sizeOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { add, binary, unary, where } from '../elementwise.js';
import { matmul } from '../matmul.js';
import { contiguous, t } from '../shape.js';
import { assertTensor, backendOf, fromStorage } from '../util.js';

function check(x: Tensor, w: Tensor, b: Tensor | null): void {
  assertTensor('linear', 'input', x);
  assertTensor('linear', 'weight', w);
  if (b !== null) assertTensor('linear', 'bias', b);
  const [outF, inF] = w.shape;
  if (
    w.ndim !== 2 ||
    x.ndim === 0 ||
    x.shape[x.ndim - 1] !== inF ||
    (b && (b.ndim !== 1 || b.shape[0] !== outF))
  ) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}${b ? ` and bias ${fmtShape(b.shape)}` : ''} do not fit: expected input [..., in], weight [out, in], bias [out]`,
    );
  }
  if (!isFloat(x.dtype) || w.dtype !== x.dtype || (b && b.dtype !== x.dtype)) {
    throw new DTypeError(
      `linear: expects one floating point dtype, got input ${x.dtype}, weight ${w.dtype}${b ? `, bias ${b.dtype}` : ''}`,
    );
  }
}

/** A copy that is contiguous (or `x` itself), made without recording a graph node. */
const dense = (x: Tensor): Tensor => (x.isContiguous ? x : withGradMode(false, () => contiguous(x)));

/** The same activation the fused kernel applies, from primitive ops (nothing recorded). */
function composite(x: Tensor, w: Tensor, b: Tensor | null, activation: FusedActivation): Tensor {
  return withGradMode(false, () =>
    tidy(() => {
      const y = matmul(x, t(w));
      const yb = b === null ? y : add(y, b);
      return activation === 'relu' ? unary('relu', yb) : yb;
    }),
  );
}

/**
 * `activation(x wᵀ + b)` over the last dim of x, as one op and one graph node: the backend's fused
 * kernel where it has one (the GEMM adds the bias and applies the activation while the result is
 * still in cache), else matmul, add and relu. How nn's Linear layer runs, and a Linear followed by
 * a ReLU inside a Sequential.
 */
export function linearActivation(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  activation: FusedActivation,
): Tensor {
  check(x, weight, bias);
  if (activation !== 'none' && activation !== 'relu') {
    throw new ValueError(`linear: activation must be 'none' or 'relu', got '${String(activation)}'`);
  }
  const backend = backendOf('linear', x, weight, bias);
  const [outF, inF] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const outShape = [...lead, outF];
  const kernel = backend.fused?.linear;
  const y = kernel
    ? tidy(() => {
        const xc = dense(x);
        // The kernel sees x as [M, in]: a contiguous tensor is that matrix already.
        const x2: TensorView = {
          storage: xc.storage,
          dtype: xc.dtype,
          shape: [sizeOf(lead), inF],
          strides: [inF, 1],
          offset: xc.offset,
        };
        const storage = kernel(x2, weight, bias === null ? null : dense(bias), activation);
        return fromStorage(backend, storage, x.dtype, outShape);
      })
    : composite(x, weight, bias, activation);
  if (bias === null) recordOp('linearNoBias', [x, weight], [y], { activation });
  else recordOp('linear', [x, weight, bias], [y], { activation });
  return y;
}

/** y = x wᵀ + b over the last dim of x (PyTorch's `F.linear`): input [..., in], weight [out, in], bias [out]. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearActivation(input, weight, bias ?? null, 'none');
}

/**
 * relu's gradient, `g` where `x > 0` and 0 elsewhere, as one kernel where the backend has it.
 * Recorded (as `reluBackward`), so a gradient of a gradient flows through it.
 */
export function reluBackward(x: Tensor, g: Tensor): Tensor {
  const backend = backendOf('reluBackward', x, g);
  const kernel = backend.fused?.reluBackward;
  const fused = kernel && x.dtype === g.dtype && shapesEqual(x.shape, g.shape);
  const y = withGradMode(false, () =>
    tidy(() =>
      fused
        ? fromStorage(backend, kernel(dense(x), dense(g)), g.dtype, g.shape)
        : where(binary('gt', x, 0), g, 0),
    ),
  );
  recordOp('reluBackward', [x, g], [y]);
  return y;
}
