/**
 * The module-level reference suite: every PyTorch case of the layers, losses, optim,
 * lr_scheduler and clip_grad categories, run through the public APIs of @nn/layers,
 * @nn/losses and @nn/optim on whatever backend is current.
 */
import { describe, expect, it } from 'vitest';
import { runAttentionCase } from './attention.js';
import {
  indexedModuleCases,
  loadModuleCases,
  MODULE_CATEGORIES,
  type ModuleCategory,
  type ModuleRefCase,
} from './cases.js';
import { runClipCase } from './clip.js';
import { runLayerCase } from './layers.js';
import { runLossCase } from './losses.js';
import { runOptimCase } from './optim.js';
import { runSchedulerCase } from './schedulers.js';

export type { ModuleCategory, ModuleRefCase } from './cases.js';
export { loadModuleCases, MODULE_CATEGORIES } from './cases.js';

/** The extra cases (fixtures/extra, made by its gen_extra.py): attention modules or layers, by op. */
function runExtraCase(c: ModuleRefCase): Promise<string[]> {
  return c.op === 'nn.MultiheadAttention' ? runAttentionCase(c) : runLayerCase(c);
}

const RUNNERS: Record<ModuleCategory, (c: ModuleRefCase) => Promise<string[]>> = {
  losses: runLossCase,
  layers: runLayerCase,
  attention: runAttentionCase,
  extra: runExtraCase,
  optim: runOptimCase,
  lr_scheduler: runSchedulerCase,
  clip_grad: runClipCase,
};

export interface ModuleConformanceOptions {
  /** Names the suite in test titles (usually the backend's name). */
  name: string;
  /** A subset of the categories (all five by default). */
  categories?: readonly ModuleCategory[];
}

/**
 * Registers one vitest `it` per reference case. Expects the backend under test to be current
 * and autograd installed before the tests run (in `beforeAll`).
 */
export function runModuleConformance(options: ModuleConformanceOptions): void {
  if (!options.categories) {
    it('every indexed case of the module categories is loaded (210 shared + 8 extra)', () => {
      const loaded = MODULE_CATEGORIES.flatMap((cat) =>
        loadModuleCases(cat).map((c) => `${c.category}/${c.name}`),
      ).sort();
      expect(loaded).toEqual(indexedModuleCases());
      expect(loaded.length).toBe(210 + 8);
    });
  }
  for (const category of options.categories ?? MODULE_CATEGORIES) {
    const cases = loadModuleCases(category);
    describe(`${options.name}: reference ${category} (${cases.length} PyTorch cases)`, () => {
      it('has cases', () => {
        expect(cases.length).toBeGreaterThan(0);
      });
      for (const c of cases) {
        it(`${c.name}: ${c.expr}`, async () => {
          const problems = await RUNNERS[category](c);
          expect(problems, `${c.category}/${c.name} (${c.expr})`).toEqual([]);
        });
      }
    });
  }
}
