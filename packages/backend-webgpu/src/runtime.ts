import { BackendError } from '@nn/tensor';
import { INDEX_ERROR_BYTES, indexErrorOf } from './index-errors.js';
import { BufferPool } from './pool.js';

// GPUBufferUsage / GPUMapMode values, spelled out so this module needs no globals at load time.
const MAP_READ = 1;
const COPY_SRC = 4;
const COPY_DST = 8;
const UNIFORM = 64;
const STORAGE = 128;

/** u32 slots of the uniform block every kernel gets (its sizes, strides, offsets, scalars). */
export const META_SLOTS = 256;
const META_BYTES = META_SLOTS * 4;
/** Dispatches encoded before a submit; also the capacity of one uniform arena. */
const DISPATCHES_PER_SUBMIT = 64;
const ARENA_BYTES = DISPATCHES_PER_SUBMIT * META_BYTES;
/** Bind groups kept for reuse; the cache starts over when full. */
const MAX_BIND_GROUPS = 8192;
/** Groups per grid dimension (the WebGPU default limit); larger grids fold into y. */
const MAX_GROUPS = 65535;

/** A compute kernel: its bindings and WGSL, built only when its pipeline is not cached yet. */
export interface KernelSpec {
  /** Pipeline cache key: kernel name plus everything its WGSL is specialised on. */
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly source: () => string;
}

export interface RuntimeOptions {
  /** 'simd' suits CPU-backed adapters (lavapipe, SwiftShader); 'tiled' uses workgroup memory. */
  readonly matmul: 'simd' | 'tiled';
}

/**
 * Owns the device: pooled buffers, cached pipelines, and one open command encoder that
 * collects dispatches until a read, a full batch or the end of the current task submits it.
 */
export class Runtime {
  readonly storage: BufferPool;
  private readonly staging: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pipelineLayouts = new Map<string, GPUPipelineLayout>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly arenaHost = new Uint32Array(ARENA_BYTES / 4);
  private arenas: GPUBuffer[] = [];
  private arenaIndex = 0;
  private flushScheduled = false;
  /** Device lost: every later call fails. */
  private failure: BackendError | null = null;
  /** An out-of-memory or kernel error of submitted work: thrown once, by the next call that checks. */
  private reported: BackendError | null = null;
  private errorsOfLastSubmit: Promise<void> = Promise.resolve();
  private destroyed = false;
  /** Where kernels that read an index tensor record the first out-of-range value (see index-errors.ts). */
  private indexErrorBuffer: GPUBuffer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly options: RuntimeOptions,
  ) {
    this.storage = new BufferPool(device, STORAGE | COPY_SRC | COPY_DST, 512 * 1024 * 1024, () =>
      this.forgetBindGroups(),
    );
    this.staging = new BufferPool(device, MAP_READ | COPY_DST, 64 * 1024 * 1024);
    device.lost.then((info) => {
      if (!this.destroyed)
        this.failure ??= new BackendError(
          `webgpu: the GPU device was lost (${info.reason}): ${info.message}`,
        );
    });
    this.pushScopes();
  }

  /** Throws the recorded device failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
    const e = this.reported;
    if (e) {
      this.reported = null;
      throw e;
    }
  }

  private pushScopes(): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
  }

  /** Collects the errors of everything since the last submit, then starts new scopes. */
  private rotateScopes(): Promise<void> {
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.pushScopes();
    return Promise.all([validation, oom]).then(
      ([v, o]) => {
        if (o) this.reported ??= new BackendError(`webgpu: out of GPU memory: ${o.message}`);
        if (v) this.reported ??= new BackendError(`webgpu: internal kernel error: ${v.message}`);
      },
      // Popping fails only once the device is gone, which device.lost reports.
      () => undefined,
    );
  }

  createBuffer(bytes: number): GPUBuffer {
    this.check();
    const limit = Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new BackendError(
        `webgpu: a tensor of ${bytes} bytes is larger than this device allows in one buffer (${limit} bytes)`,
      );
    }
    return this.storage.acquire(bytes);
  }

  upload(data: ArrayBufferView): GPUBuffer {
    // writeBuffer runs before commands still in the open encoder, which may use a buffer freed
    // into the pool since: submit them first. (Kernels may reuse such buffers at once: commands
    // run in order.)
    if (this.encoder) this.flush();
    const buf = this.createBuffer(data.byteLength);
    if (data.byteLength > 0)
      this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return buf;
  }

  /**
   * The index-error record, bound as an extra output by kernels that read index values. Created
   * on first use, so reads pay for copying it back only once such a kernel has run.
   */
  indexErrors(): GPUBuffer {
    this.indexErrorBuffer ??= this.device.createBuffer({
      size: INDEX_ERROR_BYTES,
      usage: STORAGE | COPY_SRC | COPY_DST,
    });
    return this.indexErrorBuffer;
  }

  free(buf: GPUBuffer): void {
    this.storage.release(buf);
  }

  private bindGroupLayout(inputs: number, outputs: number): GPUBindGroupLayout {
    const key = `${inputs}:${outputs}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < inputs + outputs; i++) {
        entries.push({
          binding: i,
          visibility: 4,
          buffer: { type: i < inputs ? 'read-only-storage' : 'storage' },
        });
      }
      entries.push({
        binding: inputs + outputs,
        visibility: 4,
        buffer: { type: 'uniform', hasDynamicOffset: true },
      });
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, layout);
      this.pipelineLayouts.set(key, this.device.createPipelineLayout({ bindGroupLayouts: [layout] }));
    }
    return layout;
  }

  private pipeline(spec: KernelSpec): GPUComputePipeline {
    let p = this.pipelines.get(spec.key);
    if (!p) {
      this.bindGroupLayout(spec.inputs, spec.outputs);
      const layout = this.pipelineLayouts.get(`${spec.inputs}:${spec.outputs}`)!;
      const module = this.device.createShaderModule({ code: spec.source(), label: spec.key });
      p = this.device.createComputePipeline({
        layout,
        compute: { module, entryPoint: 'main' },
        label: spec.key,
      });
      this.pipelines.set(spec.key, p);
    }
    return p;
  }

  /** Number of distinct pipelines compiled so far. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private arena(): GPUBuffer {
    let a = this.arenas[this.arenaIndex];
    if (!a) {
      a = this.device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM | COPY_DST });
      this.arenas[this.arenaIndex] = a;
    }
    return a;
  }

  /**
   * Encodes one dispatch of `groups` workgroups (a count folded into a 2-D grid when large).
   * `meta` fills the kernel's uniform block.
   */
  dispatch(
    spec: KernelSpec,
    inputs: readonly GPUBuffer[],
    outputs: readonly GPUBuffer[],
    meta: Uint32Array,
    groups: number,
  ): void {
    this.check();
    if (groups <= 0) return;
    const pipeline = this.pipeline(spec);
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    const slot = this.dispatches;
    this.arenaHost.set(meta.subarray(0, META_SLOTS), slot * META_SLOTS);
    const bindGroup = this.bindGroup(spec, inputs, outputs);
    this.pass.setPipeline(pipeline);
    // The uniform block is this dispatch's slot of the arena: a dynamic offset, so bind groups stay reusable.
    this.pass.setBindGroup(0, bindGroup, [slot * META_BYTES]);
    const x = Math.min(groups, MAX_GROUPS);
    const y = Math.ceil(groups / MAX_GROUPS);
    this.pass.dispatchWorkgroups(x, y);
    this.dispatches++;
    if (this.dispatches >= DISPATCHES_PER_SUBMIT) this.flush();
    else this.scheduleFlush();
  }

  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private bindGroups = new Map<string, GPUBindGroup>();

  private idOf(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(b, id);
    }
    return id;
  }

  // Pooled buffers come back in the same order step after step, so a training loop binds the
  // same buffer sets again and again: creating bind groups was a fifth of the JavaScript time.
  private bindGroup(
    spec: KernelSpec,
    inputs: readonly GPUBuffer[],
    outputs: readonly GPUBuffer[],
  ): GPUBindGroup {
    let key = `${spec.inputs}:${spec.outputs}:${this.arenaIndex}`;
    for (const b of inputs) key += `,${this.idOf(b)}`;
    for (const b of outputs) key += `,${this.idOf(b)}`;
    let group = this.bindGroups.get(key);
    if (group) return group;
    const entries: GPUBindGroupEntry[] = [];
    for (let i = 0; i < inputs.length; i++) entries.push({ binding: i, resource: { buffer: inputs[i] } });
    for (let i = 0; i < outputs.length; i++)
      entries.push({ binding: inputs.length + i, resource: { buffer: outputs[i] } });
    entries.push({
      binding: inputs.length + outputs.length,
      resource: { buffer: this.arena(), offset: 0, size: META_BYTES },
    });
    group = this.device.createBindGroup({ layout: this.bindGroupLayout(spec.inputs, spec.outputs), entries });
    if (this.bindGroups.size >= MAX_BIND_GROUPS) this.bindGroups.clear();
    this.bindGroups.set(key, group);
    return group;
  }

  /** Forgets cached bind groups (a buffer they reference is about to be destroyed). */
  private forgetBindGroups(): void {
    this.bindGroups.clear();
  }

  /** Copies `bytes` from one buffer to another inside the open batch. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.check();
    if (bytes <= 0) return;
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.scheduleFlush();
  }

  // Work left in the encoder when JavaScript yields is submitted then, so the device never idles
  // waiting for a read that may not come.
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Submits everything encoded so far. */
  flush(): void {
    if (!this.encoder || this.destroyed) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.dispatches > 0) {
      this.device.queue.writeBuffer(this.arena(), 0, this.arenaHost.buffer, 0, this.dispatches * META_BYTES);
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.dispatches = 0;
    // Alternating arenas lets the writes for the next batch queue up behind this submit.
    this.arenaIndex = (this.arenaIndex + 1) % 2;
    this.errorsOfLastSubmit = this.rotateScopes();
  }

  /**
   * Reads `bytes` from the start of `buf` once all queued work is done. The index-error record
   * rides along in the same staging buffer, so checking it costs no extra round trip.
   */
  async read(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.check();
    const flags = this.indexErrorBuffer;
    if (bytes === 0 && !flags) return new ArrayBuffer(0);
    // Copies start at multiples of 4 and every element is 4 bytes, so the record follows the data.
    const total = bytes + (flags ? INDEX_ERROR_BYTES : 0);
    const staging = this.staging.acquire(total);
    this.copy(buf, 0, staging, 0, bytes);
    if (flags) this.copy(flags, 0, staging, bytes, INDEX_ERROR_BYTES);
    this.flush();
    const errors = this.errorsOfLastSubmit;
    try {
      await staging.mapAsync(1, 0, total);
    } catch (e) {
      await errors.catch(() => undefined);
      this.check();
      throw new BackendError(`webgpu: reading back from the GPU failed: ${(e as Error).message}`);
    }
    // One mapped range: getMappedRange offsets must be multiples of 8, and `bytes` may not be.
    const mapped = staging.getMappedRange(0, total);
    const out = mapped.slice(0, bytes);
    const record = flags ? new Uint32Array(mapped.slice(bytes, total)) : null;
    staging.unmap();
    this.staging.release(staging);
    await errors;
    this.check();
    const indexError = record && indexErrorOf(record);
    if (flags && indexError) {
      // Cleared before any work not yet submitted; work submitted since this read's copy could
      // in principle flag again and be wiped here, a race only between two bad kernels.
      this.device.queue.writeBuffer(flags, 0, new Uint32Array(INDEX_ERROR_BYTES / 4));
      throw indexError;
    }
    return out;
  }

  /** Resolves when all submitted work is done. */
  async sync(): Promise<void> {
    this.check();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.errorsOfLastSubmit;
    this.check();
  }

  destroy(): void {
    this.flush();
    this.destroyed = true;
    this.storage.drain();
    this.staging.drain();
    for (const a of this.arenas) a.destroy();
    this.indexErrorBuffer?.destroy();
    this.device.destroy();
  }
}
