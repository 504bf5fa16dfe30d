import { TorchCheckpointError } from '../errors.js';
import type { ByteReader } from './bytes.js';

/** Where one zip entry's bytes are. */
export interface ZipEntry {
  name: string;
  /** File offset of the data. */
  offset: number;
  size: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function bad(message: string): TorchCheckpointError {
  return new TorchCheckpointError('bad-zip', `loadTorch: ${message}`);
}

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw bad(`a zip field holds ${v}, beyond what this reader addresses`);
  return Number(v);
}

/**
 * The entries of a zip archive as torch.save writes it (stored, not compressed; zip64 when large),
 * from its central directory. Only what a checkpoint needs: names, data offsets and sizes.
 */
export async function readZipEntries(file: ByteReader): Promise<Map<string, ZipEntry>> {
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  const tailLength = Math.min(file.size, 22 + 0xffff);
  const tail = await file.read(file.size - tailLength, tailLength);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw bad('no end-of-central-directory record: not a zip file, or a truncated one');
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = at - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR)
      throw bad('zip64 fields without a zip64 locator');
    const z64At = u64(tv, loc + 8);
    const z = await file.read(z64At, 56);
    const zv = new DataView(z.buffer, z.byteOffset, z.byteLength);
    if (z.length < 56 || zv.getUint32(0, true) !== ZIP64_EOCD) throw bad('the zip64 end record is missing');
    count = u64(zv, 32);
    cdSize = u64(zv, 40);
    cdOffset = u64(zv, 48);
  }
  if (cdOffset + cdSize > file.size) throw bad('the central directory runs past the end of the file');
  const cd = await file.read(cdOffset, cdSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL)
      throw bad(`central directory entry ${i} is damaged`);
    const method = cv.getUint16(p + 10, true);
    let size = cv.getUint32(p + 24, true);
    let compressed = cv.getUint32(p + 20, true);
    const nameLength = cv.getUint16(p + 28, true);
    const extraLength = cv.getUint16(p + 30, true);
    const commentLength = cv.getUint16(p + 32, true);
    let local = cv.getUint32(p + 42, true);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: the 64-bit values of the fields that hold 0xffffffff, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = u64(cv, q);
          q += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = u64(cv, q);
          q += 8;
        }
        if (local === 0xffffffff) local = u64(cv, q);
      }
      e += 4 + len;
    }
    if (method !== 0)
      throw new TorchCheckpointError(
        'compressed-entry',
        `loadTorch: zip entry '${name}' is compressed (method ${method}); torch.save stores entries uncompressed, and this reader reads only those`,
      );
    const header = await file.read(local, 30);
    const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (header.length < 30 || hv.getUint32(0, true) !== LOCAL)
      throw bad(`the local header of '${name}' is damaged`);
    const offset = local + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    if (offset + size > file.size) throw bad(`entry '${name}' runs past the end of the file`);
    entries.set(name, { name, offset, size });
    p = extraEnd + commentLength;
  }
  return entries;
}
