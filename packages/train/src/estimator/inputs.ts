import {
  DTypeError,
  fmtShape,
  isTensor,
  ShapeError,
  type Tensor,
  type TypedArray,
  tensor,
  ValueError,
} from '@nn/tensor';

/** What the estimator accepts as data: nested arrays, a typed array (row-major), or a tensor. */
export type ArrayInput =
  | Tensor
  | TypedArray
  | readonly number[]
  | readonly (readonly number[])[]
  | readonly TypedArray[];

/** Host copy of a matrix: `rows × cols` values, row-major. */
export interface HostMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

/** Reads X into a host matrix of `cols` columns, checking shape and finiteness. */
export async function readMatrix(
  op: string,
  name: string,
  data: ArrayInput,
  cols: number,
): Promise<HostMatrix> {
  let values: Float32Array;
  if (isTensor(data)) {
    if (data.ndim !== 2 && !(data.ndim === 1 && cols === 1)) {
      throw new ShapeError(`${op}: ${name} must be [samples, ${cols}], got ${fmtShape(data.shape)}`);
    }
    if (data.dtype === 'bool') throw new DTypeError(`${op}: ${name} must be numeric, got bool`);
    values = Float32Array.from(await data.data());
  } else if (ArrayBuffer.isView(data)) {
    values = Float32Array.from(data as TypedArray);
  } else if (Array.isArray(data)) {
    const rows = data as readonly (readonly number[] | TypedArray | number)[];
    if (rows.length > 0 && typeof rows[0] !== 'number') {
      values = new Float32Array(rows.length * cols);
      rows.forEach((r, i) => {
        if (typeof r === 'number' || !(Array.isArray(r) || ArrayBuffer.isView(r))) {
          throw new ValueError(`${op}: ${name}[${i}] is not a row of numbers`);
        }
        const row = r as ArrayLike<number>;
        if (row.length !== cols) {
          throw new ShapeError(
            `${op}: ${name} must have ${cols} features per sample, row ${i} has ${row.length}`,
          );
        }
        for (let j = 0; j < cols; j++) {
          const v = row[j];
          if (typeof v !== 'number')
            throw new ValueError(`${op}: ${name}[${i}][${j}] is not a number (${typeof v})`);
          values[i * cols + j] = v;
        }
      });
    } else {
      if (rows.some((v) => typeof v !== 'number')) throw new ValueError(`${op}: ${name} must hold numbers`);
      values = Float32Array.from(rows as readonly number[]);
    }
  } else {
    throw new ValueError(
      `${op}: ${name} must be a nested array, a typed array or a tensor, got ${data === null ? 'null' : typeof data}`,
    );
  }
  if (values.length === 0) throw new ValueError(`${op}: ${name} is empty`);
  if (values.length % cols !== 0) {
    throw new ShapeError(
      `${op}: ${name} has ${values.length} values, not a whole number of samples of ${cols} features`,
    );
  }
  if (isTensor(data) && data.ndim === 2 && data.shape[1] !== cols) {
    throw new ShapeError(`${op}: ${name} must have ${cols} features per sample, got ${fmtShape(data.shape)}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ValueError(
        `${op}: ${name} holds ${values[i]} at sample ${Math.floor(i / cols)}, feature ${i % cols}; clean or impute it first`,
      );
    }
  }
  return { values, rows: values.length / cols, cols };
}

/** One label per row, each an integer (a width-1 column is checked too, never truncated). */
function classIndices(op: string, m: HostMatrix): Int32Array {
  for (let i = 0; i < m.values.length; i++) {
    if (!Number.isInteger(m.values[i]))
      throw new ValueError(`${op}: label ${m.values[i]} at sample ${i} is not a class index (an integer)`);
  }
  return Int32Array.from(m.values);
}

/** Reads class labels: integers, or one-hot / probability rows (taken by argmax). */
export async function readLabels(
  op: string,
  y: ArrayInput,
  numClasses: number,
  rows: number,
): Promise<Int32Array> {
  let labels: Int32Array;
  const oneHotRows = (m: HostMatrix): Int32Array => {
    const out = new Int32Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let best = 0;
      for (let j = 1; j < m.cols; j++) if (m.values[i * m.cols + j] > m.values[i * m.cols + best]) best = j;
      out[i] = best;
    }
    return out;
  };
  const is2d =
    (isTensor(y) && y.ndim === 2) || (Array.isArray(y) && y.length > 0 && typeof y[0] !== 'number');
  if (is2d) {
    const width = isTensor(y) ? y.shape[1] : (y as readonly ArrayLike<number>[])[0].length;
    if (width === 1) labels = classIndices(op, await readMatrix(op, 'y', y, 1));
    else if (width === numClasses) labels = oneHotRows(await readMatrix(op, 'y', y, numClasses));
    else
      throw new ShapeError(
        `${op}: y has ${width} columns; expected class indices or ${numClasses} one-hot columns`,
      );
  } else {
    labels = classIndices(op, await readMatrix(op, 'y', y, 1));
  }
  if (labels.length !== rows) throw new ShapeError(`${op}: X has ${rows} samples but y has ${labels.length}`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= numClasses) {
      throw new ValueError(
        `${op}: label ${labels[i]} at sample ${i} is outside the ${numClasses} classes of the output layer (0..${numClasses - 1})`,
      );
    }
  }
  return labels;
}

export function matrixTensor(m: HostMatrix, backend?: string): Tensor {
  return tensor(m.values, { shape: [m.rows, m.cols], backend });
}

/** Turns nested output values into plain arrays. */
export function rowsOf(values: ArrayLike<number>, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += cols)
    out.push(Array.from({ length: cols }, (_, j) => values[i + j]));
  return out;
}
