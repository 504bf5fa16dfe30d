// The conformance suite, unchanged, in Chromium on WebGPU (SwiftShader).
import { runConformance } from '@nn/conformance';
import { webgpu } from '../../src/index.js';

runConformance({ name: 'webgpu (browser)', backend: () => webgpu() });
