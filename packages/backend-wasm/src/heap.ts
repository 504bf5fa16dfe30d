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
 *
 * Freed blocks go back to their size class's list at once (the fast path of a training loop,
 * which frees and asks for the same sizes every step). Neighbouring free blocks are merged only
 * when a request finds neither a block of its class nor room before the end of memory: then
 * every free block is sorted by address, runs of neighbours become one block, a free run that
 * reaches the bump pointer gives its bytes back to the bump region, and the merged blocks serve
 * later requests of any size (first fit, the rest split off). So after every tensor is freed, the
 * largest request that fit at the start fits again, and memory grows only when it must.
 */
export class Heap {
  u8!: Uint8Array;
  i32!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  readonly #free = new Map<number, number[]>();
  /** Merged free blocks of any size (multiples of 16), by address: [ptr, bytes]. */
  #merged: [number, number][] = [];
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
    let ptr = list && list.length > 0 ? list.pop()! : this.#fromMerged(cls);
    if (ptr < 0) {
      if (this.#top + cls + SLACK > this.memory.buffer.byteLength && this.#coalesce()) {
        ptr = this.#fromMerged(cls);
      }
      if (ptr < 0) {
        ptr = this.#top;
        this.#ensure(ptr + cls);
        this.#top = ptr + cls;
      }
    }
    this.#inUse += cls;
    return ptr;
  }

  /** First fit among the merged blocks, the rest kept; -1 when none is large enough. */
  #fromMerged(cls: number): number {
    const blocks = this.#merged;
    for (let i = 0; i < blocks.length; i++) {
      const [ptr, size] = blocks[i];
      if (size < cls) continue;
      if (size === cls) blocks.splice(i, 1);
      else blocks[i] = [ptr + cls, size - cls];
      return ptr;
    }
    return -1;
  }

  /**
   * Merges every run of neighbouring free blocks into one, returning a run that ends at the bump
   * pointer to the bump region. False when there was nothing free.
   */
  #coalesce(): boolean {
    const all: [number, number][] = [...this.#merged];
    for (const [cls, ptrs] of this.#free) for (const p of ptrs) all.push([p, cls]);
    if (all.length === 0) return false;
    all.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [ptr, size] of all) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === ptr) last[1] += size;
      else merged.push([ptr, size]);
    }
    const tail = merged[merged.length - 1];
    if (tail[0] + tail[1] === this.#top) {
      this.#top = tail[0];
      merged.pop();
    }
    this.#free.clear();
    this.#merged = merged;
    return true;
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
