/**
 * The bench models in nn (NCHW, as PyTorch), trained with a PyTorch-style loop: Sequential of
 * layers, CrossEntropyLoss on logits, Adam(1e-3), batches of 64, one tidy scope per step.
 * @nn/layers, @nn/losses and @nn/optim are loaded when present; until then nn impls are skipped.
 */
import {
  argmax,
  indexSelect,
  manualSeed,
  type Profiler,
  type Tensor,
  tensor,
  tidy,
  withGradMode,
} from '@nn/tensor';
import { CLASSES, PIXELS, type Split } from '../data/mnist.js';
import { ensureAutograd, type NnImpl, syncBackend } from '../impls/nn.js';
import { importOptional, type Module } from '../impls/optional.js';
import { BATCH_SIZE, LEARNING_RATE, type ModelName, type Trainer, type TrainerFactory } from './trainer.js';

/** The part of a Module the bench uses. */
interface NnModule {
  parameters(): Tensor[];
  train?(mode?: boolean): unknown;
  eval?(): unknown;
  dispose?(): void;
}

interface NnOptimizer {
  zeroGrad(): void;
  step(): void;
  dispose?(): void;
}

type Ctor<T> = new (...args: never[]) => T;

interface NnApi {
  readonly layers: Module;
  readonly optim: Module;
  readonly losses: Module;
}

let apiPromise: Promise<NnApi | string> | undefined;

/** @nn/layers, @nn/losses and @nn/optim, or why they cannot be used yet. */
export function loadNnApi(): Promise<NnApi | string> {
  apiPromise ??= (async () => {
    const noGrad = await ensureAutograd();
    if (noGrad) return noGrad;
    const [layers, losses, optim] = await Promise.all(
      ['@nn/layers', '@nn/losses', '@nn/optim'].map(importOptional),
    );
    for (const l of [layers, losses, optim]) if (!l.ok) return l.reason;
    if (!layers.ok || !losses.ok || !optim.ok) return 'unreachable';
    const api: NnApi = { layers: layers.mod, losses: losses.mod, optim: optim.mod };
    const missing = [
      ...['Sequential', 'Linear', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten']
        .filter((n) => typeof api.layers[n] !== 'function')
        .map((n) => `@nn/layers.${n}`),
      ...(typeof api.losses.CrossEntropyLoss !== 'function' ? ['@nn/losses.CrossEntropyLoss'] : []),
      ...(typeof api.optim.Adam !== 'function' ? ['@nn/optim.Adam'] : []),
    ];
    if (missing.length) return `not exported yet: ${missing.join(', ')}`;
    return api;
  })();
  return apiPromise;
}

/** Runs fn: the region helper when nothing is profiled. */
const run = <T>(_name: string, fn: () => T): T => fn();

function make<T>(mod: Module, name: string, ...args: unknown[]): T {
  const C = mod[name] as unknown as Ctor<T>;
  return new C(...(args as never[]));
}

/** Calls a module whichever way it is callable: as a function, `.call(x)` or `.forward(x)`. */
function apply(m: unknown, ...args: Tensor[]): Tensor {
  if (typeof m === 'function') return (m as (...a: Tensor[]) => Tensor)(...args);
  const o = m as { call?: (...a: Tensor[]) => Tensor; forward?: (...a: Tensor[]) => Tensor };
  if (typeof o.call === 'function') return o.call(...args);
  if (typeof o.forward === 'function') return o.forward(...args);
  throw new Error('nn module is not callable (no call/forward)');
}

function build(api: NnApi, model: ModelName): NnModule {
  const L = api.layers;
  const layers: unknown[] =
    model === 'mlp'
      ? [make(L, 'Linear', PIXELS, 128), make(L, 'ReLU'), make(L, 'Linear', 128, CLASSES)]
      : [
          make(L, 'Conv2d', 1, 8, 3),
          make(L, 'ReLU'),
          make(L, 'MaxPool2d', 2),
          make(L, 'Conv2d', 8, 16, 3),
          make(L, 'ReLU'),
          make(L, 'MaxPool2d', 2),
          make(L, 'Flatten'),
          make(L, 'Linear', 16 * 5 * 5, CLASSES),
        ];
  return make<NnModule>(L, 'Sequential', ...layers);
}

export function nnTrainer(impl: NnImpl): TrainerFactory {
  const shapeOf = (model: ModelName, n: number): number[] => (model === 'mlp' ? [n, PIXELS] : [n, 1, 28, 28]);
  return {
    impl: impl.impl,
    profiles: true,
    unsupported: () => null,
    async create(model, seed) {
      const api = await loadNnApi();
      if (typeof api === 'string') throw new Error(api);
      impl.activate();
      manualSeed(seed);
      const net = build(api, model);
      const lossFn = make<unknown>(api.losses, 'CrossEntropyLoss');
      const opt = make<NnOptimizer>(api.optim, 'Adam', net.parameters(), { lr: LEARNING_RATE });
      // The training split on the device, so a step gathers its batch there from 64 indices (as
      // PyTorch's x[idx] does) instead of copying and uploading 64 images.
      let loaded: { split: Split; x: Tensor; y: Tensor } | null = null;
      const unload = (): void => {
        loaded?.x.dispose();
        loaded?.y.dispose();
        loaded = null;
      };
      const trainer: Trainer = {
        load(train: Split) {
          impl.activate();
          unload();
          loaded = {
            split: train,
            x: tensor(train.x, { shape: shapeOf(model, train.size) }),
            y: tensor(train.y, { dtype: 'int32' }),
          };
        },
        async epoch(train: Split, order: Int32Array, prof?: Profiler) {
          if (loaded?.split !== train) trainer.load?.(train);
          const { x: xs, y: ys } = loaded!;
          impl.activate();
          net.train?.();
          const region = prof ? <T>(name: string, fn: () => T): T => prof.region(name, fn) : run;
          for (let from = 0; from < train.size; from += BATCH_SIZE) {
            const to = Math.min(train.size, from + BATCH_SIZE);
            region('step', () =>
              tidy(() => {
                const [x, y] = region('data', () => {
                  const idx = tensor(order.subarray(from, to), { dtype: 'int32' });
                  return [indexSelect(xs, 0, idx), indexSelect(ys, 0, idx)];
                });
                const loss = region('forward', () => apply(lossFn, apply(net, x), y));
                region('backward', () => loss.backward());
                region('optimizer', () => {
                  opt.step();
                  opt.zeroGrad();
                });
                return null;
              }),
            );
          }
          await syncBackend(impl.backend);
        },
        async accuracy(test: Split) {
          impl.activate();
          net.eval?.();
          let correct = 0;
          const chunk = 500;
          for (let from = 0; from < test.size; from += chunk) {
            const n = Math.min(chunk, test.size - from);
            const pred = withGradMode(false, () =>
              tidy(() =>
                argmax(
                  apply(
                    net,
                    tensor(test.x.subarray(from * PIXELS, (from + n) * PIXELS), { shape: shapeOf(model, n) }),
                  ),
                  { dim: 1 },
                ),
              ),
            );
            const p = await pred.data();
            pred.dispose();
            for (let i = 0; i < n; i++) if (p[i] === test.y[from + i]) correct++;
          }
          return correct / test.size;
        },
        dispose() {
          unload();
          opt.dispose?.();
          if (net.dispose) net.dispose();
          else for (const p of net.parameters()) p.dispose();
        },
      };
      return trainer;
    },
  };
}
