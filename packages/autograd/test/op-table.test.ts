import { cpu } from '@nn/backend-cpu';
import { registerBackend, setBackend, tensor } from '@nn/tensor';
import { OPS, recordOp } from '@nn/tensor/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineGradient, installAutograd } from '../src/index.js';
import { missingRuleMessage, opsWithoutRule } from '../src/registry.js';

beforeAll(() => {
  registerBackend(cpu());
  setBackend('cpu');
  installAutograd();
});

describe('the op table', () => {
  it('gives every op @nn/tensor records a gradient rule, or declares it non-differentiable', () => {
    const missing = opsWithoutRule();
    expect(missing, missing.map(missingRuleMessage).join('\n')).toEqual([]);
    expect(Object.keys(OPS).length).toBeGreaterThan(60);
  });

  it('says what to add when an op has no rule', () => {
    const message = missingRuleMessage('roll');
    expect(message).toContain("defineGradient('roll'");
    expect(message).toContain('packages/autograd/src/rules/');
    expect(message).toContain('packages/tensor/src/op-table.ts');
  });

  it('types recordOp and defineGradient: unknown names, wrong attributes and arities do not compile', () => {
    const x = tensor([1, 2]);
    // Each call below is a compile error that `pnpm typecheck` would report; none runs.
    const unchecked = [
      // @ts-expect-error 'mull' is not in the op table (the error says what to add where)
      () => recordOp('mull', [x, x], [x]),
      // @ts-expect-error sum records its reduced dims
      () => recordOp('sum', [x], [x]),
      // @ts-expect-error mul has two inputs
      () => recordOp('mul', [x], [x]),
      // @ts-expect-error no such op to define a rule for
      () => defineGradient('mull', { backward: (_c, g) => [g, g] }),
      // @ts-expect-error add has two inputs, so its rule returns two gradients
      () => defineGradient('add', { backward: (_c, g) => [g] }),
      () =>
        defineGradient('mul', {
          saveInputs: [1],
          // @ts-expect-error input 0 was not saved, so it is null
          backward: ({ inputs: [a] }, g) => [g.mul(a), null],
        }),
    ];
    expect(unchecked).toHaveLength(6);
    x.dispose();
  });
});
