// The allocator merges neighbouring free blocks: fragmentation never costs a request that fit before.
import { BackendError } from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import { Heap, sizeClass, type WasmStorage } from '../src/heap.js';

const PAGE = 65536;
const PAGES = 64; // a 4 MB cap keeps the test small

function heap(): Heap {
  return new Heap(new WebAssembly.Memory({ initial: 1, maximum: PAGES }), 1024, PAGES);
}

/** The largest single request the heap grants now (binary search; each probe is freed). */
function largestFit(h: Heap): number {
  let lo = 0;
  let hi = PAGES * PAGE;
  while (hi - lo > 16) {
    const mid = Math.floor((lo + hi) / 2);
    try {
      h.free(h.alloc(mid));
      lo = mid;
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      hi = mid;
    }
  }
  return lo;
}

describe('wasm heap', () => {
  it('after every block is freed, the largest request that fit at the start fits again', () => {
    const h = heap();
    const largest = largestFit(h);
    expect(largest).toBeGreaterThan(3.5 * 1024 * 1024); // of the 4 MB cap (size classes round requests up)
    // Fill the memory with blocks of many sizes, free them in a scrambled order.
    const blocks: WasmStorage[] = [];
    let size = 48;
    try {
      for (;;) {
        blocks.push(h.alloc(size));
        size = size > 60_000 ? 48 : Math.floor(size * 1.7);
      }
    } catch (e) {
      expect(e).toBeInstanceOf(BackendError);
    }
    expect(blocks.length).toBeGreaterThan(100);
    for (let i = 0; i < blocks.length; i += 2) h.free(blocks[i]);
    for (let i = 1; i < blocks.length; i += 2) h.free(blocks[i]);
    expect(h.bytesInUse).toBe(0);
    const again = h.alloc(largest);
    expect(again.bytes).toBeGreaterThanOrEqual(largest);
    h.free(again);
    expect(largestFit(h)).toBe(largest);
  });

  it('serves a request from merged neighbours before growing memory', () => {
    const h = heap();
    const a = h.alloc(100_000);
    const b = h.alloc(100_000);
    const keep = h.alloc(1000); // keeps a and b away from the bump pointer
    const grownTo = h.memory.buffer.byteLength;
    h.free(a);
    h.free(b);
    // Neither freed block alone holds 190,000 bytes; together (they are neighbours) they do. A
    // request that does not fit before the end of memory merges them instead of growing.
    const room = grownTo - (keep.ptr + keep.bytes) - 64; // 64: the slack kept past the last block
    let size = room;
    while (sizeClass(size) > room) size -= 16;
    const fill = h.alloc(size);
    const c = h.alloc(190_000);
    expect(c.ptr).toBe(a.ptr);
    expect(h.memory.buffer.byteLength).toBe(grownTo);
    for (const s of [c, keep, fill]) h.free(s);
    expect(h.bytesInUse).toBe(0);
  });

  it('a block of one class is reused as before (the fast path)', () => {
    const h = heap();
    const a = h.alloc(4000);
    h.free(a);
    expect(h.alloc(3990).ptr).toBe(a.ptr);
  });
});
