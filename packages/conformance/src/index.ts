/**
 * @nn/conformance: the one backend conformance suite. A backend package runs it unchanged from a
 * vitest file: `runConformance({ name: 'cpu', backend: () => cpu() })`.
 */
import { installAutograd } from '@nn/autograd';
import { type Backend, registerBackend, setBackend } from '@nn/tensor';
import { beforeAll, describe } from 'vitest';
import { registerAttentionTests } from './attention.js';
import { registerBadInputTests } from './bad-input.js';
import { registerCompositeMemoryTests } from './composites-memory.js';
import type { SuiteContext } from './context.js';
import { registerConventionTests } from './conventions.js';
import { registerFusedTests } from './fused.js';
import { registerFuzzTests } from './fuzz.js';
import { registerGradcheckTests } from './gradcheck.js';
import { registerMemoryTests } from './memory.js';
import { runModuleConformance } from './modules/index.js';
import { registerPrecisionTests } from './precision.js';
import { registerPropertyTests } from './properties.js';
import { registerReorderPropertyTests } from './properties-reorder.js';
import { registerReferenceTests } from './reference.js';

export interface ConformanceOptions {
  /** Makes the backend under test (called once, in beforeAll). */
  backend: () => Backend | Promise<Backend>;
  /** Shown in the test names. */
  name: string;
  /** Run gradcheck inputs in float64; by default when the backend lists float64 among its dtypes. */
  float64?: boolean;
}

/**
 * Registers the whole suite (reference cases, properties, gradcheck, memory, bad input) as
 * describe/it blocks. Call it at the top level of a vitest test file.
 */
export function runConformance(options: ConformanceOptions): void {
  // Filled in by beforeAll; the tests only read it while they run.
  const ctx = { float64: false } as SuiteContext;
  describe(`conformance: ${options.name}`, () => {
    beforeAll(async () => {
      const backend = await options.backend();
      registerBackend(backend);
      setBackend(backend.name);
      installAutograd();
      ctx.backend = backend;
      ctx.float64 = options.float64 ?? backend.dtypes.includes('float64');
    });
    registerReferenceTests();
    registerPropertyTests();
    registerReorderPropertyTests();
    registerGradcheckTests(ctx);
    registerFusedTests();
    registerConventionTests();
    registerMemoryTests();
    registerCompositeMemoryTests(ctx);
    registerPrecisionTests();
    registerBadInputTests(ctx);
    registerFuzzTests(ctx);
    registerAttentionTests(ctx);
    runModuleConformance({ name: options.name });
  });
}

export type { RefCase, RefTensor } from './fixtures.js';
export { loadCases, TENSOR_CATEGORIES } from './fixtures.js';
