// crossEntropy (PyTorch's F.cross_entropy) and CrossEntropyLoss (nn.CrossEntropyLoss) are the
// spellings; the function alias crossEntropyLoss still works, warns once and names them.
import { installAutograd } from '@nn/autograd';
import { cpu } from '@nn/backend-cpu';
import { tensor, use } from '@nn/tensor';
import { beforeAll, expect, it, vi } from 'vitest';
import { CrossEntropyLoss, crossEntropy, crossEntropyLoss } from '../src/index.js';

beforeAll(() => {
  use(cpu());
  installAutograd();
});

it('crossEntropyLoss is crossEntropy, with one warning naming both replacements', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const logits = tensor([
      [2, -1, 0.5],
      [0, 1, 3],
    ]);
    const target = tensor([0, 2], { dtype: 'int32' });
    const want = crossEntropy(logits, target, { labelSmoothing: 0.1 }).itemSync();
    expect(crossEntropyLoss(logits, target, { labelSmoothing: 0.1 }).itemSync()).toBe(want);
    expect(new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits, target).itemSync()).toBeCloseTo(
      want,
      6,
    );
    crossEntropyLoss(logits, target);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /^nn: crossEntropyLoss is deprecated .* use crossEntropy \(the function\) or new CrossEntropyLoss\(\) \(the module\)$/,
    );
  } finally {
    warn.mockRestore();
  }
});
