/** An open file read in pieces: the loaders read a header, then one tensor at a time. */
export interface RandomAccessFile {
  readonly size: number;
  /** `length` bytes from `position`, in a fresh (aligned) buffer. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
