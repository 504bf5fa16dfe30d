import {
  DTypeError,
  fmtShape,
  isFloat,
  isTensor,
  ShapeError,
  shapesEqual,
  type Tensor,
  ValueError,
} from '@nn/tensor';

export function assertTensorArg(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!isTensor(x))
    throw new ValueError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

export function assertFloatArg(op: string, name: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `${op}: ${name} must be a floating point tensor, got ${x.dtype} of shape ${fmtShape(x.shape)}`,
    );
  }
}

/** Input and target of an element-wise loss: both float, same shape (no silent broadcasting). */
export function checkPair(op: string, input: unknown, target: unknown): asserts input is Tensor {
  assertTensorArg(op, 'input', input);
  assertTensorArg(op, 'target', target);
  assertFloatArg(op, 'input', input);
  assertFloatArg(op, 'target', target as Tensor);
  const t = target as Tensor;
  if (!shapesEqual(input.shape, t.shape)) {
    throw new ShapeError(
      `${op}: target shape ${fmtShape(t.shape)} must equal input shape ${fmtShape(input.shape)} (reshape one of them; broadcasting a loss is usually a bug)`,
    );
  }
}

export function assertNumber(
  op: string,
  name: string,
  v: unknown,
  check: (n: number) => boolean,
  what: string,
): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !check(v)) {
    throw new ValueError(`${op}: ${name} must be ${what}, got ${String(v)}`);
  }
  return v;
}
