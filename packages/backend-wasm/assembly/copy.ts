import { copyBytes } from './mem';
// Contiguous copy of a strided view of 4-byte elements (f32 or i32: same bits). meta (i32):
// shape[rank], strides[rank] in elements; `idx` is rank i32 of scratch.

export function copy32(out: usize, x: usize, rank: i32, meta: usize, idx: usize): void {
  const shape = meta;
  const st = meta + (<usize>rank << 2);
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(shape + last);
  const is = load<i32>(st + last);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(shape + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let off: i32 = 0;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const src = x + (<usize>off << 2);
    if (is == 1) copyBytes(out, src, rowBytes);
    else if (is == 0) {
      const v = load<u32>(src);
      for (let i = 0; i < inner; i++) store<u32>(out + (<usize>i << 2), v);
    } else {
      for (let i = 0; i < inner; i++) store<u32>(out + (<usize>i << 2), load<u32>(src + (<usize>(i * is) << 2)));
    }
    out += rowBytes;
    let d = rank - 2;
    while (d >= 0) {
      const p = <usize>d << 2;
      const v = load<i32>(idx + p) + 1;
      const sd = load<i32>(st + p);
      if (v < load<i32>(shape + p)) {
        store<i32>(idx + p, v);
        off += sd;
        break;
      }
      store<i32>(idx + p, 0);
      off -= sd * (v - 1);
      d--;
    }
  }
}

/**
 * out[r] = x[idx[r]] for whole rows of `rowBytes` (indexSelect along dim 0, as a data loader picks
 * a batch); the indices are i32, `idxStride` bytes apart.
 */
export function gatherRows(out: usize, x: usize, idx: usize, idxStride: i32, rows: i32, rowBytes: i32): void {
  const bytes = <usize>rowBytes;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(idx + <usize>r * idxStride);
    memory.copy(out + <usize>r * bytes, x + row * bytes, bytes);
  }
}
