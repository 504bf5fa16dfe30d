import type { BatchLogs, Callback, EpochLogs, TrainContext } from './callbacks.js';

/** Where progress goes: a terminal stream (`process.stdout`) or anything with `write`. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of the terminal progress report: a bar per epoch or one line per epoch, and where to write it. */
export interface ProgressOptions {
  /** 'bar': live bar + one line per epoch; 'epoch': one line per epoch; 'auto' (default): bar on a TTY, else lines. */
  mode?: 'auto' | 'bar' | 'epoch';
  /** Default `process.stdout` (no output where there is no process, as in a browser). */
  stream?: ProgressStream;
  /** Least time between two redraws of the bar, in ms (default 100). */
  refreshMs?: number;
}

function defaultStream(): ProgressStream | undefined {
  const p = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  return p?.stdout;
}

/** `83.2 s` / `1m 05s` */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}

/** Formats epoch logs as `loss 0.1234  accuracy 0.9650  valLoss ...`. */
export function formatLogs(logs: EpochLogs, skip: readonly string[] = []): string {
  return Object.entries(logs)
    .filter(([k]) => !skip.includes(k))
    .map(
      ([k, v]) =>
        `${k} ${Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4)}`,
    )
    .join('  ');
}

/**
 * The terminal progress display of `fit`: per epoch, a bar with batches done, running loss,
 * throughput and ETA, redrawn in place on a TTY; then one summary line per epoch.
 */
export class ProgressBar implements Callback {
  readonly #stream: ProgressStream | undefined;
  readonly #bar: boolean;
  readonly #refreshMs: number;
  #start = 0;
  #lastDraw = 0;
  #examples = 0;
  #loss: number | undefined;
  #drawn = false;

  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? defaultStream();
    const mode = options.mode ?? 'auto';
    this.#bar = mode === 'bar' || (mode === 'auto' && this.#stream?.isTTY === true);
    this.#refreshMs = options.refreshMs ?? 100;
  }

  onEpochBegin(): void {
    this.#start = performance.now();
    this.#lastDraw = 0;
    this.#examples = 0;
    this.#loss = undefined;
  }

  onBatchEnd(batch: number, logs: BatchLogs, ctx: TrainContext): void {
    this.#examples += logs.size;
    if (logs.loss !== undefined) this.#loss = logs.loss;
    if (!this.#bar || !this.#stream) return;
    const now = performance.now();
    const last = ctx.stepsPerEpoch !== undefined && batch + 1 >= ctx.stepsPerEpoch;
    if (!last && now - this.#lastDraw < this.#refreshMs) return;
    this.#lastDraw = now;
    this.#stream.write(`\r${this.#line(batch + 1, ctx, now)}\x1b[K`);
    this.#drawn = true;
  }

  #line(done: number, ctx: TrainContext, now: number): string {
    const total = ctx.stepsPerEpoch;
    const secs = (now - this.#start) / 1000;
    const width = 24;
    const frac = total ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = total
      ? `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (frac < 1 ? '>' : '=') : ''}${' '.repeat(width - filled)}]`
      : '';
    const rate = secs > 0 ? this.#examples / secs : 0;
    const eta = total && done > 0 ? (secs / done) * (total - done) : Number.NaN;
    const parts = [
      `Epoch ${ctx.history.length + 1}/${ctx.epochs}`,
      bar,
      total ? `${done}/${total}` : `${done}`,
      this.#loss !== undefined ? `loss ${this.#loss.toFixed(4)}` : '',
      `${rate.toFixed(0)} ex/s`,
      total ? `ETA ${formatDuration(eta)}` : '',
    ];
    return parts.filter(Boolean).join('  ');
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    if (!this.#stream) return;
    const clear = this.#drawn ? '\r\x1b[K' : '';
    this.#drawn = false;
    const seconds = logs.seconds ?? (performance.now() - this.#start) / 1000;
    this.#stream.write(
      `${clear}Epoch ${epoch + 1}/${ctx.epochs}  ${formatLogs(logs, ['seconds'])}  (${formatDuration(seconds)})\n`,
    );
  }
}
