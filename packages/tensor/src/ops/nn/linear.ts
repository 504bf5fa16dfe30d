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
  if (w.ndim !== 2) {
    throw new ShapeError(`linear: weight must be 2-D [outFeatures, inFeatures], got ${fmtShape(w.shape)}`);
  }
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== w.shape[1]) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(w.shape)} (the input's last dim must be ${w.shape[1]})`,
    );
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== w.shape[0])) {
    throw new ShapeError(
      `linear: bias must have shape [${w.shape[0]}] for weight ${fmtShape(w.shape)}, got ${fmtShape(b.shape)}`,
    );
  }
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `linear: expects a floating point input, got ${x.dtype} of shape ${fmtShape(x.shape)}`,
    );
  }
  if (w.dtype !== x.dtype) throw new DTypeError(`linear: weight is ${w.dtype} but input is ${x.dtype}`);
  if (b !== null && b.dtype !== x.dtype) {
    throw new DTypeError(`linear: bias is ${b.dtype} but input is ${x.dtype}`);
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
      fused ? fromStorage(backend, kernel(dense(x), dense(g)), g.dtype, g.shape) : where(binary('gt', x, 0), g, 0),
    ),
  );
  recordOp('reluBackward', [x, g], [y]);
  return y;
}
