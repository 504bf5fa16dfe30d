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

/** Wall-clock and process CPU time (user + system, all threads) of the timed samples, in ms. */
export interface Timing extends Stats {
  readonly cpu: Stats;
}

/** This process's CPU time so far (user + system, all threads), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `fn` `warmup` times untimed, then `samples` times timed; returns milliseconds per call.
 * `fn` must not resolve before its work is finished (await the result's data on async backends).
 * CPU time is kept beside wall time: on a shared machine it shows what the work costs when it has
 * the cores to itself (for one thread; threads add up, so it is not a speed for threaded impls).
 */
export async function timeIt(
  fn: () => Promise<void> | void,
  warmup: number,
  samples: number,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i++) {
    const c0 = cpuMs();
    const t0 = now();
    await fn();
    times.push(now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { ...stats(times), cpu: stats(cpu) };
}

/** Message of an unknown thrown value, on one line. */
export function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 300);
}
