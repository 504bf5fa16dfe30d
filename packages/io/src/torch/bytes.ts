import type { RandomAccessFile } from '../random-access.js';

/** Bytes read at positions: a buffer in memory or an open file (read piece by piece). */
export interface ByteReader {
  readonly size: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

export function memoryReader(bytes: Uint8Array): ByteReader {
  return {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, position + length),
  };
}

export function fileReader(file: RandomAccessFile): ByteReader {
  return { size: file.size, read: (position, length) => file.read(position, length) };
}
