/** @nn/backend-cpu: the plain TypeScript backend of nn. Register it with `use(cpu())`. */
export type { CpuOptions } from './cpu.js';
export { cpu } from './cpu.js';
