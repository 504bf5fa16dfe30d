import { beforeEach } from 'vitest';

/**
 * The conformance memory check counts every live tensor of the process. Tensors that earlier
 * tests left undisposed are released by @nn/tensor's FinalizationRegistry whenever the garbage
 * collector runs, which can fall inside that check and make it fail by one tensor. Collect them
 * before it starts (needs --expose-gc: vitest's execArgv in Node, --js-flags in Chromium).
 */
export function collectLeaksBeforeMemoryCheck(): void {
  beforeEach(async (ctx) => {
    if (!ctx.task.name.includes('leave tensors and bytes unchanged')) return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('the memory check needs the garbage collector exposed (--expose-gc)');
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  });
}
