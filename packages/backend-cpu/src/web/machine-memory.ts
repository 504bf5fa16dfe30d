// Browsers do not say how much memory the machine has; a typed array too large for the page
// fails on its own (RangeError), which the cpu backend turns into a BackendError. Node gets
// ../node/machine-memory.ts.

/** Unbounded: no budget beyond what the browser refuses itself. */
export function machineMemory(): number {
  return Number.POSITIVE_INFINITY;
}
