/**
 * One measured load of the `io` bench, alone in its process so that its peak memory is its own:
 * `node io-load-child.js <path|bytes> <file>` prints {ms, peakGrowthMiB, tensorMiB}.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpu } from '@nn/backend-cpu';
import { loadSafetensors, readSafetensors } from '@nn/io';
import { memory, use } from '@nn/tensor';

const [mode, file] = process.argv.slice(2);
use(cpu());
// The peak resident memory of this process, in KiB. Linux's VmHWM belongs to this address space;
// getrusage's maxRSS (the fallback elsewhere) keeps the parent's peak across exec on Linux.
const peakKiB = (): number => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
};
const before = peakKiB();
let count: number;
let t0: number;
if (mode === 'path') {
  // From the file, one tensor at a time (the disk reads are part of the time).
  t0 = performance.now();
  count = (await loadSafetensors(file)).size;
} else {
  // From bytes already in memory (as after a fetch): their 100 MiB count in the peak, not the time.
  const bytes: Uint8Array = await readFile(file); // a Buffer is a Uint8Array: no copy
  t0 = performance.now();
  count = readSafetensors(bytes).tensors.size;
}
const ms = performance.now() - t0;
const mib = (kib: number) => kib / 1024;
console.log(
  JSON.stringify({
    ms,
    tensors: count,
    peakGrowthMiB: mib(peakKiB() - before),
    tensorMiB: memory().numBytes / 2 ** 20,
  }),
);
