import type {
  Backend,
  BackendMemory,
  BinaryOp,
  DType,
  FusedKernels,
  Probe,
  RandomSpec,
  ReduceOp,
  Storage,
  TensorView,
  TypedArray,
  UnaryOp,
} from '@nn/tensor';
import { BackendError } from '@nn/tensor';
import { timeMethods, warnDeprecated } from '@nn/tensor/internal';
import { binary, cast, fill, unary, where } from './kernels/elementwise.js';
import { fused } from './kernels/fused.js';
import { concat, gather, scatterAdd } from './kernels/indexing.js';
import { matmul } from './kernels/matmul.js';
import { random } from './kernels/random.js';
import { reduce } from './kernels/reduce.js';
import { argsort } from './kernels/sort.js';
import type { Runtime } from './runtime.js';

const buf = (s: Storage): GPUBuffer => s as GPUBuffer;

/** The Backend contract on GPUBuffer storage (every dtype 4 bytes an element; bool as u32). */
export class WebGPUBackend implements Backend {
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'bool'];
  readonly hostMemory = false;
  readonly fused: FusedKernels;

  constructor(
    readonly runtime: Runtime,
    readonly adapterInfo: string,
    /** The name it is registered under ('webgpu' unless the `name` option says otherwise). */
    readonly name = 'webgpu',
  ) {
    this.fused = fused(runtime);
  }

  upload(values: TypedArray, dtype: DType): Storage {
    if (dtype === 'float64')
      throw new BackendError("webgpu: float64 is not supported on WebGPU; use 'float32'");
    let data: Float32Array | Int32Array | Uint32Array;
    if (dtype === 'float32') data = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (dtype === 'int32') data = values instanceof Int32Array ? values : Int32Array.from(values);
    else data = Uint32Array.from(values, (v) => (v ? 1 : 0));
    return this.runtime.upload(data);
  }

  async read(storage: Storage, dtype: DType, size: number): Promise<TypedArray> {
    const bytes = await this.runtime.read(buf(storage), size * 4);
    if (dtype === 'float32') return new Float32Array(bytes);
    if (dtype === 'int32') return new Int32Array(bytes);
    return Uint8Array.from(new Uint32Array(bytes));
  }

  free(storage: Storage): void {
    this.runtime.free(buf(storage));
  }

  #untime: (() => void) | null = null;

  /** Times buffer creation (from the pool or new) while a profiler's probe is installed. */
  instrument(probe: Probe | null): void {
    this.#untime?.();
    this.#untime = probe
      ? timeMethods(this.runtime, { createBuffer: 'alloc' }, probe, { createBuffer: 'allocations' })
      : null;
  }

  memory(): BackendMemory {
    return { bytesInUse: this.runtime.storage.inUse, bytesReserved: this.runtime.storage.pooled };
  }

  fill(size: number, dtype: DType, value: number): Storage {
    return fill(this.runtime, size, dtype, value);
  }

  random(size: number, dtype: DType, spec: RandomSpec): Storage {
    return random(this.runtime, size, dtype, spec);
  }

  cast(x: TensorView, dtype: DType): Storage {
    return cast(this.runtime, x, dtype);
  }

  unary(op: UnaryOp, x: TensorView, params: readonly number[]): Storage {
    return unary(this.runtime, op, x, params);
  }

  binary(op: BinaryOp, a: TensorView | number, b: TensorView | number, outShape: readonly number[]): Storage {
    return binary(this.runtime, op, a, b, outShape);
  }

  where(cond: TensorView, a: TensorView, b: TensorView, outShape: readonly number[]): Storage {
    return where(this.runtime, cond, a, b, outShape);
  }

  reduce(op: ReduceOp, x: TensorView, axes: readonly number[]): Storage {
    return reduce(this.runtime, op, x, axes);
  }

  argReduce(op: 'argmax' | 'argmin', x: TensorView, axis: number): Storage {
    return reduce(this.runtime, op, x, [axis]);
  }

  argsort(x: TensorView, axis: number, descending: boolean): Storage {
    return argsort(this.runtime, x, axis, descending);
  }

  matmul(a: TensorView, b: TensorView): Storage {
    return matmul(this.runtime, a, b);
  }

  concat(inputs: readonly TensorView[], axis: number, outShape: readonly number[]): Storage {
    return concat(this.runtime, inputs, axis, outShape);
  }

  gather(x: TensorView, dim: number, index: TensorView): Storage {
    return gather(this.runtime, x, dim, index);
  }

  scatterAdd(shape: readonly number[], dim: number, index: TensorView, src: TensorView): Storage {
    return scatterAdd(this.runtime, shape, dim, index, src);
  }

  /**
   * Most bytes of GPU buffers in use at once (tensors and kernels' temporaries) since the last
   * `resetPeakBytes()`, counted as the pool hands buffers out (PyTorch's max_memory_allocated).
   */
  get peakBytesInUse(): number {
    return this.runtime.storage.peak;
  }

  /** Starts a new peak measurement from the bytes in use now. */
  resetPeakBytes(): void {
    this.runtime.storage.resetPeak();
  }

  sync(): Promise<void> {
    return this.runtime.sync();
  }

  /** Shuts the backend down: frees every GPU resource and the device; its tensors are unusable afterwards. */
  dispose(): void {
    this.runtime.destroy();
  }

  /**
   * Frees every GPU resource of this backend.
   * @deprecated Use `dispose()`, the one way to shut any backend down; `destroy` goes at 1.0.
   */
  destroy(): void {
    warnDeprecated('WebGPUBackend.destroy()', 'dispose()');
    this.dispose();
  }
}
