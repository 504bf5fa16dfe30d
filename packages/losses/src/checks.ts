import {
  assertTensor,
  DTypeError,
  fmtShape,
  isFloat,
  ShapeError,
  shapesEqual,
  type Tensor,
} from '@nn/tensor';

export function assertFloatArg(op: string, name: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `${op}: ${name} must be a floating point tensor, got ${x.dtype} of shape ${fmtShape(x.shape)}`,
    );
  }
}

/** Input and target of an element-wise loss: both float, same shape (no silent broadcasting). */
export function checkPair(op: string, input: unknown, target: unknown): asserts input is Tensor {
  assertTensor(op, 'input', input);
  assertTensor(op, 'target', target);
  assertFloatArg(op, 'input', input);
  assertFloatArg(op, 'target', target as Tensor);
  const t = target as Tensor;
  if (!shapesEqual(input.shape, t.shape)) {
    throw new ShapeError(
      `${op}: target shape ${fmtShape(t.shape)} must equal input shape ${fmtShape(input.shape)} (reshape one of them; broadcasting a loss is usually a bug)`,
    );
  }
}
