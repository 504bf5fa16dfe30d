/** Base class of every error nn throws on purpose. */
export class NNError extends Error {
  override name = 'NNError';
}

/** Shapes that do not fit the op: `matmul: cannot multiply [2,3] by [4,5] ...`. */
export class ShapeError extends NNError {
  override name = 'ShapeError';
}

/** A dtype the op does not take, or two that do not mix. */
export class DTypeError extends NNError {
  override name = 'DTypeError';
}

/** An index, dim or axis outside its range. */
export class IndexError extends NNError {
  override name = 'IndexError';
}

/** An argument of the right type but a wrong value (negative size, NaN learning rate, ...). */
export class ValueError extends NNError {
  override name = 'ValueError';
}

/** Backend registry or backend failure: no backend set, unknown name, device lost, out of memory. */
export class BackendError extends NNError {
  override name = 'BackendError';
}

/**
 * What the call needs is missing where it runs: Node's file system in a browser build, or an
 * optional package (such as `mnist`) that is not installed. The message says what to install or use.
 */
export class PlatformError extends NNError {
  override name = 'PlatformError';
}

/** Use of a tensor after `dispose()` (directly or by `tidy`). */
export class DisposedError extends NNError {
  override name = 'DisposedError';
}

/** Misuse of automatic differentiation: backward on a non-scalar without a gradient, no graph, ... */
export class AutogradError extends NNError {
  override name = 'AutogradError';
}

/** Formats a shape as `[2,3]` for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
