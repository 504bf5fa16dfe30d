import { runConformance } from '@nn/conformance';
import { wasm } from '../src/index.js';

runConformance({ name: 'wasm', backend: () => wasm({ threads: 1 }) });
// The same suite with worker threads (GEMM, conv and pooling split across them).
runConformance({ name: 'wasm (2 threads)', backend: () => wasm({ threads: 2, name: 'wasm-threads' }) });
