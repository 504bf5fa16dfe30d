/** Timing helpers: warm-up, samples, median. */

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function now(): number {
  return performance.now();
}

export function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], samples: values };
}

/**
 * Runs `fn` `warmup` times untimed, then `samples` times timed; returns milliseconds per call.
 * `fn` must not resolve before its work is finished (await the result's data on async backends).
 */
export async function timeIt(fn: () => Promise<void> | void, warmup: number, samples: number): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    await fn();
    times.push(now() - t0);
  }
  return stats(times);
}

/** Message of an unknown thrown value, on one line. */
export function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 300);
}
