import { readdirSync } from 'node:fs';
import {
  avgPool2d,
  batchNorm,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  dropout,
  embedding,
  groupNorm,
  interpolate,
  layerNorm,
  maxPool2d,
  pixelShuffle,
  type Tensor,
  tensor,
} from '@nn/tensor';
import { describe, expect, it } from 'vitest';
import {
  flat,
  layersDir,
  loadCase,
  mismatch,
  type RefCase,
  type RefTensor,
  setupBackends,
  values,
} from './nn-helpers.js';

const names = setupBackends();
const PREFIXES = [
  'conv',
  'maxpool2d',
  'avgpool2d',
  'batchnorm',
  'layernorm',
  'groupnorm',
  'embedding',
  'dropout',
  'upsample',
  'interpolate',
  'pixel_shuffle',
];
const files = readdirSync(layersDir())
  .filter((f) => f.endsWith('.json') && PREFIXES.some((p) => f.startsWith(p)))
  .sort();

type Ints = number | number[];
const ints = (v: unknown): Ints => v as Ints;

function run(
  c: RefCase,
  backend: string,
): { out: Tensor; leaves: Record<string, Tensor>; buffers: Record<string, Tensor> } {
  const make = (r: RefTensor, grad: boolean): Tensor => {
    const isInt = r.dtype.startsWith('int');
    return tensor(flat(r.data), {
      shape: r.shape,
      dtype: isInt ? 'int32' : 'float32',
      backend,
      requiresGrad: grad && !isInt,
    });
  };
  const leaves: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) leaves[k] = make(v, true);
  for (const [k, v] of Object.entries(c.params ?? {})) leaves[k] = make(v, true);
  const buffers: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.buffers ?? {}))
    if (k !== 'num_batches_tracked') buffers[k] = make(v, false);
  const cfg = c.config;
  const x = leaves.x;
  const w = leaves.weight;
  const b = leaves.bias ?? null;
  let out: Tensor;
  if (c.name.startsWith('conv_transpose')) {
    const fn = c.name.startsWith('conv_transpose1d') ? convTranspose1d : convTranspose2d;
    out = fn(x, w, b, {
      stride: ints(cfg.stride),
      padding: ints(cfg.padding),
      outputPadding: ints(cfg.output_padding),
      dilation: ints(cfg.dilation),
      groups: cfg.groups as number,
    });
  } else if (c.name.startsWith('conv')) {
    const fn = c.name.startsWith('conv1d') ? conv1d : c.name.startsWith('conv2d') ? conv2d : conv3d;
    out = fn(x, w, b, {
      stride: ints(cfg.stride),
      padding: cfg.padding as Ints | 'same',
      dilation: ints(cfg.dilation),
      groups: cfg.groups as number,
    });
  } else if (c.name.startsWith('groupnorm')) {
    out = groupNorm(x, cfg.num_groups as number, w, b, { eps: cfg.eps as number });
  } else if (c.name.startsWith('upsample') || c.name.startsWith('interpolate')) {
    out = interpolate(x, {
      size: (cfg.size ?? undefined) as Ints | undefined,
      scaleFactor: (cfg.scale_factor ?? undefined) as number | undefined,
      mode: cfg.mode as 'nearest' | 'bilinear',
      alignCorners: (cfg.align_corners ?? undefined) as boolean | undefined,
    });
  } else if (c.name.startsWith('pixel_shuffle')) {
    out = pixelShuffle(x, cfg.upscale_factor as number);
  } else if (c.name.startsWith('maxpool2d')) {
    out = maxPool2d(x, {
      kernelSize: ints(cfg.kernel_size),
      stride: cfg.stride === null ? undefined : ints(cfg.stride),
      padding: ints(cfg.padding),
      dilation: ints(cfg.dilation),
      ceilMode: cfg.ceil_mode as boolean,
    });
  } else if (c.name.startsWith('avgpool2d')) {
    out = avgPool2d(x, {
      kernelSize: ints(cfg.kernel_size),
      stride: cfg.stride === null ? undefined : ints(cfg.stride),
      padding: ints(cfg.padding),
      ceilMode: cfg.ceil_mode as boolean,
      countIncludePad: cfg.count_include_pad as boolean,
    });
  } else if (c.name.startsWith('batchnorm')) {
    out = batchNorm(x, buffers.running_mean, buffers.running_var, w, b, {
      training: cfg.training as boolean,
      momentum: cfg.momentum as number,
      eps: cfg.eps as number,
    });
  } else if (c.name.startsWith('layernorm')) {
    out = layerNorm(x, cfg.normalized_shape as number[], w, b, { eps: cfg.eps as number });
  } else if (c.name.startsWith('embedding')) {
    out = embedding(leaves.indices, w, { paddingIdx: cfg.padding_idx as number | null });
  } else {
    out = dropout(x, { p: cfg.p as number, training: cfg.training as boolean });
  }
  return { out, leaves, buffers };
}

describe.each([names.fused, names.composite])('PyTorch layer cases on %s', (backend) => {
  it.each(files)('%s', (file) => {
    const c = loadCase(file);
    const { rtol, atol } = c.tolerance;
    const { out, leaves, buffers } = run(c, backend);
    expect(out.shape).toEqual(c.output.shape);
    expect(mismatch(values(out), flat(c.output.data), rtol, atol)).toBeNull();
    if (c.grad_output) {
      out.backward(tensor(flat(c.grad_output.data), { shape: c.grad_output.shape, backend }));
      for (const [k, ref] of Object.entries(c.grads ?? {})) {
        const g = leaves[k].grad;
        expect(g, `grad of ${k}`).not.toBeNull();
        const err = mismatch(values(g as Tensor), flat(ref.data), rtol, atol);
        expect(err, `grad of ${k}`).toBeNull();
      }
    }
    for (const [k, ref] of Object.entries(c.buffers_after ?? {})) {
      if (k === 'num_batches_tracked') continue;
      expect(mismatch(values(buffers[k]), flat(ref.data), rtol, atol), `buffer ${k}`).toBeNull();
    }
  });
});
