import * as nn from '@nn/tensor';
import { ValueError } from '@nn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasm } from '../src/index.js';
import { chooseRelaxedSimd, hasRelaxedSimd, type RelaxedSimdEngine } from '../src/relaxed.js';

/** An engine double: `has` says whether it validates relaxed SIMD, `enable` may switch it on. */
function engine(has: boolean, enable: () => boolean = () => has) {
  const calls: string[] = [];
  let on = has;
  const env: RelaxedSimdEngine = {
    available: () => {
      calls.push('available');
      return on;
    },
    enable: () => {
      calls.push('enable');
      on = enable();
    },
  };
  return { env, calls };
}

describe('choosing the relaxed-SIMD kernels', () => {
  it("'auto' takes them where the engine validates them and never touches the engine's flags", () => {
    const yes = engine(true);
    expect(chooseRelaxedSimd('auto', yes.env)).toBe(true);
    const no = engine(false, () => true);
    expect(chooseRelaxedSimd('auto', no.env)).toBe(false);
    expect(no.calls).toEqual(['available']);
  });

  it('false always picks the baseline kernels without asking the engine', () => {
    const yes = engine(true);
    expect(chooseRelaxedSimd(false, yes.env)).toBe(false);
    expect(yes.calls).toEqual([]);
  });

  it('true switches the feature on where it is off (Node 20) and takes them when that works', () => {
    const off = engine(false, () => true);
    expect(chooseRelaxedSimd(true, off.env)).toBe(true);
    expect(off.calls).toEqual(['available', 'enable', 'available']);
  });

  it('true falls back to the baseline kernels where the engine still refuses them or cannot be switched', () => {
    expect(chooseRelaxedSimd(true, engine(false, () => false).env)).toBe(false);
    const throwing = engine(false, () => {
      throw new Error('flags are frozen');
    });
    expect(chooseRelaxedSimd(true, throwing.env)).toBe(false);
  });

  it('hasRelaxedSimd is false where validate says no or throws', () => {
    expect(hasRelaxedSimd(() => false)).toBe(false);
    expect(
      hasRelaxedSimd(() => {
        throw new TypeError('no WebAssembly here');
      }),
    ).toBe(false);
  });
});

describe('wasm({ relaxedSimd })', () => {
  afterEach(() => vi.restoreAllMocks());

  it('loads the relaxed kernels when asked, and its probe module validates once the feature is on', async () => {
    const b = await wasm({ threads: 1, relaxedSimd: true, name: 'wasm-relaxed-on' });
    // Node 20 needs the flag (switched on by `true`); later engines have the feature. Either way
    // the probe module must now validate: a malformed probe would quietly disable the feature.
    expect(hasRelaxedSimd()).toBe(true);
    expect(b.relaxedSimd).toBe(true);
    b.dispose();
  });

  it('picks the baseline kernels, which compute the same product, where the engine lacks relaxed SIMD', async () => {
    // An engine without the feature: WebAssembly.validate refuses the probe module.
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    for (const relaxedSimd of ['auto', true] as const) {
      const b = await wasm({ threads: 2, relaxedSimd, name: `wasm-no-relaxed-${relaxedSimd}` });
      expect(b.relaxedSimd).toBe(false);
      nn.registerBackend(b);
      nn.setBackend(b.name);
      const y = nn.tidy(() => nn.matmul(nn.ones([70, 300]), nn.ones([300, 50])));
      expect(Array.from(y.dataSync()).every((v) => v === 300)).toBe(true);
      y.dispose();
      b.dispose();
    }
  });

  it('false picks the baseline kernels even where the engine has relaxed SIMD', async () => {
    const b = await wasm({ threads: 1, relaxedSimd: false, name: 'wasm-relaxed-off' });
    expect(b.relaxedSimd).toBe(false);
    b.dispose();
  });

  it('a kernel file given by wasmUrl decides for itself', async () => {
    const url = new URL('../build/kernels-relaxed.wasm', import.meta.url);
    const b = await wasm({ wasmUrl: url, relaxedSimd: true, name: 'wasm-relaxed-url' });
    expect(b.relaxedSimd).toBe(true);
    const plain = await wasm({
      wasmUrl: new URL('../build/kernels.wasm', import.meta.url),
      name: 'wasm-plain-url',
    });
    expect(plain.relaxedSimd).toBe(false);
  });

  it('rejects a relaxedSimd that is not true, false or auto with a ValueError', async () => {
    const bad = wasm({ relaxedSimd: 'yes' as unknown as boolean });
    await expect(bad).rejects.toThrow(ValueError);
    await expect(wasm({ relaxedSimd: 'yes' as unknown as boolean })).rejects.toThrow(
      `wasm: relaxedSimd must be true, false or 'auto', got "yes"`,
    );
  });
});
