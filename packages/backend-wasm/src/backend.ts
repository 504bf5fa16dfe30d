import {
  type Backend,
  type BackendMemory,
  type DType,
  type FusedKernels,
  makeTypedArray,
  type Probe,
  type RandomSpec,
  type Storage,
  type TypedArray,
} from '@nn/tensor';
import { fillRandom, warnDeprecated } from '@nn/tensor/internal';
import { allocOut, asStorage, type Ctx } from './context.js';
import { Heap } from './heap.js';
import type { KernelExports } from './kernels.js';
import { MAX_PAGES } from './loader.js';
import * as at from './ops-attention.js';
import * as cv from './ops-conv.js';
import * as ew from './ops-elementwise.js';
import * as fu from './ops-fused.js';
import * as ix from './ops-index.js';
import * as ls from './ops-loss.js';
import { type GemmRunner, linear, matmul } from './ops-matmul.js';
import * as pl from './ops-pool.js';
import * as rd from './ops-reduce.js';
import { argsort } from './ops-sort.js';
import { arrayOf, elementBytes } from './strided.js';
import type { Job } from './threads.js';
import { SCRATCH_ARG } from './worker-source.js';

/** The wasm backend: a Backend plus control over its worker threads. */
export interface WasmBackend extends Backend {
  /** Threads GEMM and conv split their rows over (1 = this thread only). */
  readonly threads: number;
  /** Sets the thread count (clamped to what the runtime allows; 1 where SharedArrayBuffer is missing). */
  setThreads(n: number): void;
  /** True when memory is shared, so worker threads can run kernels. */
  readonly sharedMemory: boolean;
  /**
   * True when the relaxed-SIMD kernels run (GEMM, and so conv and attention, with fused
   * multiply-add); false for the baseline SIMD kernels. See the `relaxedSimd` option of `wasm()`.
   */
  readonly relaxedSimd: boolean;
  /** Shuts the backend's worker threads down (it keeps working on this thread); the heap goes with the backend. */
  dispose(): void;
  /**
   * Stops the worker threads.
   * @deprecated Use `dispose()`, the one way to shut any backend down; `terminate` goes at 1.0.
   */
  terminate(): void;
  /** The heap in detail: tensor storage, all blocks handed out (storage + scratch), linear memory size. */
  heapStats(): { storageBytes: number; allocatedBytes: number; memoryBytes: number };
}

/** Hooks the thread pool provides (or the single-threaded defaults). */
export interface Parallel {
  gemm: GemmRunner;
  /** Threads ready to take a job now (this one included). */
  available(): number;
  /** Runs independent kernel calls, one per thread, and returns when all are done. */
  run(jobs: readonly Job[]): void;
  threads(): number;
  setThreads(n: number): void;
  terminate(): void;
  /** Times the hand-off to worker threads and the wait for them (profiler only). */
  instrument?(probe: Probe | null): void;
}

export function createContext(memory: WebAssembly.Memory, k: KernelExports): Ctx {
  const heap = new Heap(memory, k.heapBase(), MAX_PAGES);
  const scratch: number[] = [];
  return {
    heap,
    k,
    scratch(thread: number): number {
      if (scratch[thread] === undefined) scratch[thread] = heap.allocBytes(k.gemmScratchBytes());
      return scratch[thread];
    },
  };
}

export function singleThread(ctx: Ctx): Parallel {
  return {
    gemm: (m, n, k, a, rsA, csA, b, rsB, csB, c, acc, epi) =>
      ctx.k.gemm(
        0,
        m,
        n,
        k,
        a,
        rsA,
        csA,
        b,
        rsB,
        csB,
        c,
        n,
        ctx.scratch(0),
        acc ? 1 : 0,
        epi?.bias ?? 0,
        epi?.bits ?? 0,
      ),
    available: () => 1,
    run: (jobs) => {
      for (const j of jobs) {
        const args = [...j.args];
        const at = SCRATCH_ARG[j.kernel];
        if (at !== undefined) args[at] = ctx.scratch(0);
        (ctx.k[j.kernel] as (...a: number[]) => void)(...args);
      }
    },
    threads: () => 1,
    setThreads: () => {},
    terminate: () => {},
  };
}

export function createBackend(ctx: Ctx, par: Parallel, sharedMemory: boolean, name: string): WasmBackend {
  const heap = ctx.heap;
  const fused: FusedKernels = {
    linear: (x, w, bias, activation) => linear(ctx, x, w, bias, activation, par.gemm),
    reluBackward: (x, g) => ew.reluBackward(ctx, x, g),
    crossEntropy: (x, target, ignoreIndex, reduction) =>
      ls.crossEntropy(ctx, x, target, ignoreIndex, reduction),
    crossEntropyBackward: (x, target, g, ignoreIndex, reduction) =>
      ls.crossEntropyBackward(ctx, x, target, g, ignoreIndex, reduction),
    softmax: (x, axis, log) => fu.softmax(ctx, x, axis, log),
    softmaxBackward: (y, dy, axis, log) => fu.softmaxBackward(ctx, y, dy, axis, log),
    adamStep: (args) => fu.adamStep(ctx, args),
    sgdStep: (args) => fu.sgdStep(ctx, args),
    conv2d: (x, w, p, outShape) => cv.conv2d(ctx, par, x, w, p, outShape),
    conv2dBias: (x, w, bias, p, outShape, activation) =>
      cv.conv2dBias(ctx, par, x, w, bias, p, outShape, activation),
    conv2dBackwardInput: (dy, w, p, xShape) => cv.conv2dBackwardInput(ctx, par, dy, w, p, xShape),
    conv2dBackwardWeight: (x, dy, p, wShape) => cv.conv2dBackwardWeight(ctx, par, x, dy, p, wShape),
    conv2dBiasBackward: (x, w, y, g, p, activation, input) =>
      cv.conv2dBiasBackward(ctx, par, x, w, y, g, p, activation, input),
    maxPool2d: (x, p, outShape) => pl.maxPool2d(ctx, par, x, p, outShape),
    maxPool2dBackward: (dy, indices, xShape) => pl.maxPool2dBackward(ctx, par, dy, indices, xShape),
    avgPool2d: (x, p, include, outShape) => pl.avgPool2d(ctx, x, p, include, outShape),
    avgPool2dBackward: (dy, p, include, xShape) => pl.avgPool2dBackward(ctx, dy, p, include, xShape),
    attention: (args) => at.attention(ctx, par, args),
    attentionBackward: (args) => at.attentionBackward(ctx, par, args),
  };
  const readSync = (storage: Storage, dtype: DType, size: number): TypedArray => {
    const s = asStorage(storage);
    const start = s.ptr / elementBytes(dtype);
    // slice() copies, so the result survives memory growth and frees.
    return arrayOf(heap, dtype).slice(start, start + size);
  };
  return {
    name,
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    hostMemory: true,
    sharedMemory,
    relaxedSimd: (ctx.k.relaxedSimd?.() ?? 0) === 1,
    get threads() {
      return par.threads();
    },
    setThreads: (n) => par.setThreads(n),
    dispose: () => par.terminate(),
    terminate: () => {
      warnDeprecated('WasmBackend.terminate()', 'dispose()');
      par.terminate();
    },
    heapStats: () => ({
      storageBytes: heap.bytesInUse,
      allocatedBytes: heap.bytesAllocated,
      memoryBytes: heap.memory.buffer.byteLength,
    }),
    upload(values, dtype) {
      const out = allocOut(ctx, values.length, dtype);
      const start = out.ptr / elementBytes(dtype);
      const dst = arrayOf(heap, dtype);
      if (dtype === 'bool') for (let i = 0; i < values.length; i++) dst[start + i] = values[i] ? 1 : 0;
      else dst.set(values, start);
      return out;
    },
    read: (storage, dtype, size) => Promise.resolve(readSync(storage, dtype, size)),
    readSync,
    free: (storage) => heap.free(asStorage(storage)),
    memory(): BackendMemory {
      return { bytesInUse: heap.bytesInUse, bytesReserved: heap.bytesReserved };
    },
    fill: (size, dtype, value) => ew.fill(ctx, size, dtype, value),
    random(size: number, dtype: DType, spec: RandomSpec) {
      const out = allocOut(ctx, size, dtype);
      const start = out.ptr / elementBytes(dtype);
      if (dtype === 'float32' || dtype === 'float64') {
        fillRandom(arrayOf(heap, dtype).subarray(start, start + size), spec, false);
      } else {
        const tmp = makeTypedArray('float64', size);
        fillRandom(tmp, spec, dtype === 'int32');
        const dst = arrayOf(heap, dtype);
        for (let i = 0; i < size; i++) dst[start + i] = dtype === 'bool' ? (tmp[i] !== 0 ? 1 : 0) : tmp[i];
      }
      return out;
    },
    cast: (x, dtype) => ew.cast(ctx, x, dtype),
    unary: (op, x, params) => ew.unary(ctx, op, x, params),
    binary: (op, a, b, outShape) => ew.binary(ctx, op, a, b, outShape),
    where: (cond, a, b, outShape) => ew.where(ctx, cond, a, b, outShape),
    reduce: (op, x, axes) => rd.reduce(ctx, op, x, axes),
    argReduce: (op, x, axis) => rd.argReduce(ctx, op, x, axis),
    argsort: (x, axis, descending) => argsort(ctx, x, axis, descending),
    matmul: (a, b) => matmul(ctx, a, b, par.gemm),
    concat: (inputs, axis, outShape) => ix.concat(ctx, inputs, axis, outShape),
    gather: (x, dim, index) => ix.gather(ctx, x, dim, index),
    scatterAdd: (shape, dim, index, src) => ix.scatterAdd(ctx, shape, dim, index, src),
    fused,
    sync: () => Promise.resolve(),
    instrument(probe) {
      heap.instrument(probe);
      par.instrument?.(probe);
    },
  };
}
