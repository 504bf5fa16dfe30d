/**
 * Rounds a byte count up to its size class: four classes per power of two, so a reused buffer
 * wastes at most a quarter of its size while a new batch size still finds pooled buffers.
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 256) return Math.ceil(b / 16) * 16;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 4;
  return Math.ceil(b / step) * step;
}

/** Buffers of one usage, kept by size class for reuse instead of destroyed. */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Bytes of live buffers handed out. */
  inUse = 0;
  /** Bytes sitting in the pool. */
  pooled = 0;
  /** Most bytes in use at once since the last `resetPeak()`. */
  peak = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly maxPooled: number,
    /** Called before a buffer is destroyed (bind groups may still name it). */
    private readonly onDestroy: () => void = () => {},
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.pooled -= size;
    } else {
      buf = this.device.createBuffer({ size, usage: this.usage });
    }
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return buf;
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  release(buf: GPUBuffer): void {
    const size = buf.size;
    this.inUse -= size;
    if (this.pooled + size > this.maxPooled) {
      this.onDestroy();
      buf.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buf);
    this.pooled += size;
  }

  /** Destroys every pooled buffer. */
  drain(): void {
    this.onDestroy();
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
  }
}
