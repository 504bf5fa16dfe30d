import { runConformance } from '@nn/conformance';
import { wasm } from '../src/index.js';

runConformance({ name: 'wasm', backend: () => wasm({ threads: 1 }) });
