/**
 * The finalizer is the safety net for tensors a program drops without disposing. A tensor made
 * inside `tidy` is put under its watch only when it leaves the outermost scope alive (returned or
 * kept); these check that such tensors are still freed, and that scoped ones never needed it.
 */
import { cpu } from '@nn/backend-cpu';
import { describe, expect, it } from 'vitest';
import { add, collectGarbage, keep, memory, tensor, tidy, use } from '../src/index.js';

/** Makes tensors the way `fn` says and drops every reference to them. */
function dropAll(fn: () => void): void {
  fn();
}

describe('the finalizer safety net with tidy scopes', () => {
  it('frees dropped tensors that left the outermost tidy or were kept', async () => {
    use(cpu());
    await collectGarbage();
    const before = memory().numTensors;
    dropAll(() => {
      // Returned through two scopes, a container of two, and one kept inside a scope.
      tidy(() => tidy(() => add(tensor([1, 2]), 1)));
      tidy(() => [add(tensor([3]), 1), { y: add(tensor([4]), 1) }]);
      tidy(() => {
        keep(add(tensor([5]), 1));
      });
    });
    expect(memory().numTensors).toBe(before + 4);
    await collectGarbage();
    expect(memory().numTensors).toBe(before);
  });

  it("leaves a scope's tensors to the scope: nothing is left for the collector", async () => {
    use(cpu());
    await collectGarbage();
    const before = memory().numTensors;
    tidy(() => {
      for (let i = 0; i < 100; i++) add(tensor([i]), 1);
    });
    expect(memory().numTensors).toBe(before);
  });
});
