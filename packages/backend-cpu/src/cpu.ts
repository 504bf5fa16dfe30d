import type {
  Backend,
  BackendMemory,
  DType,
  FusedKernels,
  RandomSpec,
  Storage,
  TypedArray,
} from '@nn/tensor';
import { argsortContiguous, fillRandom } from '@nn/tensor/internal';
import { binary, where } from './binary.js';
import { cast, concat, gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { nnKernels } from './nn/index.js';
import { argReduce, reduce } from './reduce.js';
import { softmax, softmaxBackward } from './softmax.js';
import { alloc } from './strided.js';
import { unary } from './unary.js';

/** Options of `cpu()`. */
export interface CpuOptions {
  /** Registry name; 'cpu' unless given (two differently configured instances need two names). */
  name?: string;
}

/** A copy of `values` as the typed array that stores `dtype`. */
function copyAs(values: TypedArray, dtype: DType): TypedArray {
  const out = alloc(dtype, values.length);
  if (dtype === 'bool' && !(values instanceof Uint8Array)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  } else {
    out.set(values);
  }
  return out;
}

/**
 * The plain TypeScript backend: storage is a typed array in host memory (Float32Array, Float64Array,
 * Int32Array, Uint8Array for bool), every kernel reads strided views and returns a new array.
 *
 * @example
 * ```ts
 * use(cpu());
 * console.log(tensor([1, 2]).add(1).dataSync()); // Float32Array [2, 3]
 * ```
 */
export function cpu(options: CpuOptions = {}): Backend {
  let bytesInUse = 0;
  const track = (s: TypedArray): Storage => {
    bytesInUse += s.byteLength;
    return s;
  };
  const fused: FusedKernels = {
    ...nnKernels(track),
    softmax: (x, axis, log) => track(softmax(x, axis, log)),
    softmaxBackward: (y, dy, axis, log) => track(softmaxBackward(y, dy, axis, log)),
  };
  return {
    name: options.name ?? 'cpu',
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    hostMemory: true,
    upload: (values, dtype) => track(copyAs(values, dtype)),
    read: (storage, _dtype, size) => Promise.resolve((storage as TypedArray).slice(0, size)),
    readSync: (storage, _dtype, size) => (storage as TypedArray).slice(0, size),
    free(storage) {
      bytesInUse -= (storage as TypedArray).byteLength;
    },
    memory: (): BackendMemory => ({ bytesInUse }),
    fill(size, dtype, value) {
      const out = alloc(dtype, size);
      out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
      return track(out);
    },
    random(size: number, dtype: DType, spec: RandomSpec) {
      const out = alloc(dtype, size);
      fillRandom(out, spec, dtype === 'int32');
      return track(out);
    },
    cast: (x, dtype) => track(cast(x, dtype)),
    unary: (op, x, params) => track(unary(op, x, params)),
    binary: (op, a, b, outShape) => track(binary(op, a, b, outShape)),
    where: (cond, a, b, outShape) => track(where(cond, a, b, outShape)),
    reduce: (op, x, axes) => track(reduce(op, x, axes)),
    argReduce: (op, x, axis) => track(argReduce(op, x, axis)),
    argsort(x, axis, descending) {
      const out = new Int32Array(x.shape.reduce((a, b) => a * b, 1));
      argsortContiguous(cast(x, x.dtype), 0, x.shape, axis, descending, out);
      return track(out);
    },
    matmul: (a, b) => track(matmul(a, b)),
    concat: (inputs, axis, outShape) => track(concat(inputs, axis, outShape)),
    gather: (x, dim, index) => track(gather(x, dim, index)),
    scatterAdd: (shape, dim, index, src) => track(scatterAdd(shape, dim, index, src)),
    fused,
    sync: () => Promise.resolve(),
    // Storage is garbage-collected memory: nothing to release.
    dispose: () => {},
  };
}
