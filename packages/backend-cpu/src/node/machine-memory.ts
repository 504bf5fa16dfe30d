// The machine's memory in Node, for the cpu allocation budget (../strided.ts); browsers get
// ../web/machine-memory.ts.
import { totalmem } from 'node:os';

/** Bytes of memory the machine has. */
export function machineMemory(): number {
  return totalmem();
}
