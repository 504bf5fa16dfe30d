import { activationModule, Dropout, Linear, type Module, Sequential, WeightNoise } from '@nn/layers';
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  type Optimizer,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
  StepLR,
} from '@nn/optim';
import type { Tensor } from '@nn/tensor';
import type { Callback } from '../callbacks.js';
import { SchedulerCallback } from '../callbacks.js';
import type { ResolvedConfig } from './config.js';

type Part = { kind: 'linear'; inFeatures: number; outFeatures: number } | { kind: 'activation' | 'dropout' };

/** The layers of a config in order: Linear → activation (→ Dropout) per hidden layer, then a Linear producing logits. */
function plan(c: ResolvedConfig): Part[] {
  const parts: Part[] = [];
  const sizes = c.layers;
  for (let i = 0; i + 1 < sizes.length; i++) {
    parts.push({ kind: 'linear', inFeatures: sizes[i], outFeatures: sizes[i + 1] });
    if (i + 2 < sizes.length) {
      parts.push({ kind: 'activation' });
      if (c.dropoutRate > 0) parts.push({ kind: 'dropout' });
    }
  }
  return parts;
}

/**
 * The state-dict keys and shapes of a config's network, known without building it: a model file
 * is checked against them before anything is allocated.
 */
export function weightShapes(c: ResolvedConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  plan(c).forEach((part, i) => {
    if (part.kind !== 'linear') return;
    shapes.set(`${i}.weight`, [part.outFeatures, part.inFeatures]);
    shapes.set(`${i}.bias`, [part.outFeatures]);
  });
  return shapes;
}

/** The network of a config (see `plan`). */
export function buildNetwork(c: ResolvedConfig): { net: Sequential; model: Module } {
  const parts = plan(c).map((part): Module => {
    if (part.kind === 'linear') return new Linear(part.inFeatures, part.outFeatures, { backend: c.backend });
    if (part.kind === 'activation') return activationModule('NeuralNetwork', c.activation);
    return new Dropout(c.dropoutRate);
  });
  const net = new Sequential(...parts);
  const model = c.weightNoiseStd > 0 ? new WeightNoise(net, c.weightNoiseStd) : net;
  return { net, model };
}

// biome-ignore lint/suspicious/noExplicitAny: optimizers differ in their option types
type AnyOptimizer = Optimizer<any>;

export function buildOptimizer(c: ResolvedConfig, params: Tensor[]): AnyOptimizer {
  switch (c.optimizer) {
    case 'sgd':
      return new SGD(params, { lr: c.lr, momentum: 0.9 });
    case 'adamw':
      return new AdamW(params, { lr: c.lr });
    case 'rmsprop':
      return new RMSprop(params, { lr: c.lr });
    case 'adagrad':
      return new Adagrad(params, { lr: c.lr });
    default:
      return new Adam(params, { lr: c.lr });
  }
}

export function buildScheduler(
  c: ResolvedConfig,
  opt: AnyOptimizer,
  hasValidation: boolean,
): Callback | null {
  const s = c.lrScheduler;
  if (!s) return null;
  switch (s.type) {
    case 'step':
      return new SchedulerCallback(new StepLR(opt, { stepSize: s.stepSize, gamma: s.gamma }));
    case 'exponential':
      return new SchedulerCallback(new ExponentialLR(opt, { gamma: s.gamma }));
    case 'cosine':
      return new SchedulerCallback(new CosineAnnealingLR(opt, { tMax: s.tMax, etaMin: s.etaMin }));
    case 'plateau':
      return new SchedulerCallback(
        new ReduceLROnPlateau(opt, {
          patience: s.patience ?? 5,
          factor: s.factor ?? 0.5,
          minLr: s.minLr ?? 0,
        }),
        {
          monitor: s.monitor ?? (hasValidation ? 'valLoss' : 'loss'),
        },
      );
  }
}
