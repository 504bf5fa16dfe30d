import { BackendError, type Probe } from '@nn/tensor';
import { timeMethods } from '@nn/tensor/internal';

/** A block of WebAssembly memory holding one tensor's elements. */
export interface WasmStorage {
  /** Byte address of the first element (16-byte aligned). */
  readonly ptr: number;
  /** Bytes held (the size class, at least the bytes asked for). */
  readonly bytes: number;
  freed: boolean;
}

const PAGE = 65536;
const ALIGN = 16;
const SLACK = 64;

/**
 * Rounds a request up to its size class: 16-byte steps up to 256 bytes, then eight classes per
 * power of two, so a freed block serves any later request of its class (at most 12.5% slack).
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, bytes);
  if (b <= 256) return (b + ALIGN - 1) & ~(ALIGN - 1);
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/**
 * The wasm linear memory and its allocator: size-class free lists over a bump region that grows
 * the memory when it runs out. Typed-array views are re-made after every grow, since growing
 * detaches (or, for shared memory, outdates) the old buffer.
 */
export class Heap {
  u8!: Uint8Array;
  i32!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  readonly #free = new Map<number, number[]>();
  #top: number;
  #inUse = 0;
  #storage = 0;
  #untime: (() => void) | null = null;

  constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
    readonly maxPages: number,
  ) {
    this.#top = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.#refresh();
  }

  #refresh(): void {
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  /** Bytes held by live tensor storage (`alloc`), not by the backend's own scratch blocks. */
  get bytesInUse(): number {
    return this.#storage;
  }

  /** The rest of linear memory: free blocks, scratch, thread control blocks, static data. */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength - this.#storage;
  }

  /** Bytes in blocks handed out by `allocBytes` and `alloc` together (live storage plus scratch). */
  get bytesAllocated(): number {
    return this.#inUse;
  }

  /** A raw block (scratch space, or a tensor's storage via `alloc`). */
  allocBytes(bytes: number): number {
    const cls = sizeClass(bytes);
    const list = this.#free.get(cls);
    this.#inUse += cls;
    if (list && list.length > 0) return list.pop()!;
    const ptr = this.#top;
    this.#ensure(ptr + cls);
    this.#top = ptr + cls;
    return ptr;
  }

  freeBytes(ptr: number, bytes: number): void {
    const cls = sizeClass(bytes);
    this.#inUse -= cls;
    let list = this.#free.get(cls);
    if (!list) {
      list = [];
      this.#free.set(cls, list);
    }
    list.push(ptr);
  }

  alloc(bytes: number): WasmStorage {
    const s = { ptr: this.allocBytes(bytes), bytes: sizeClass(bytes), freed: false };
    this.#storage += s.bytes;
    return s;
  }

  free(s: WasmStorage): void {
    if (s.freed) return;
    s.freed = true;
    this.#storage -= s.bytes;
    this.freeBytes(s.ptr, s.bytes);
  }

  /** Times every block handed out or returned while a profiler's probe is installed. */
  instrument(probe: Probe | null): void {
    this.#untime?.();
    this.#untime = probe
      ? timeMethods(this, { allocBytes: 'alloc', freeBytes: 'free' }, probe, { allocBytes: 'allocations' })
      : null;
  }

  #ensure(blockEnd: number): void {
    // SIMD kernels may read a few bytes past a tensor's last element (and discard them): keep
    // that slack inside linear memory.
    const end = blockEnd + SLACK;
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least a quarter of the current size so a run of allocations grows rarely.
    const need = Math.ceil((end - have) / PAGE);
    const pages = Math.max(need, Math.ceil(have / PAGE / 4));
    const current = have / PAGE;
    const target = Math.min(current + pages, this.maxPages);
    if (target < current + need) {
      throw new BackendError(
        `wasm: out of memory: ${end - have} more bytes needed but WebAssembly memory is capped at ${this.maxPages * PAGE} bytes; dispose tensors you no longer need`,
      );
    }
    this.memory.grow(target - current);
    this.#refresh();
  }
}
