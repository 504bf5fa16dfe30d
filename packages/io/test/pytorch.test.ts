import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '@nn/autograd';
import { manualSeed, tensor, tidy } from '@nn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../src/index.js';
import { FIXTURES, useCpu } from './helpers.js';
import { allclose, Mixed } from './models.js';

// nn → PyTorch: a state dict written by writeSafetensors loads into the same model in real
// PyTorch (strict), which then computes nn's outputs. Needs Debian's python3-torch; without it
// this one check is skipped with a printed reason (the byte-for-byte tests in
// safetensors.test.ts prove the file format without Python).

const PYTHON = process.env.NN_PYTHON ?? '/usr/bin/python3';
// find_spec answers without importing torch (which takes seconds).
const probe = spawnSync(
  PYTHON,
  ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'],
  { encoding: 'utf8', timeout: 60_000 },
);
const noTorch =
  probe.status === 0
    ? null
    : `${PYTHON} with torch is not available (${probe.error?.message ?? (probe.stderr.trim().split('\n').pop() || 'no torch module')})`;
if (noTorch)
  console.log(`io: skipping the PyTorch round trip: ${noTorch}; set NN_PYTHON to a python with torch`);

// Reads the file as the safetensors format says (no safetensors package here), then
// model.load_state_dict(..., strict=True): what safetensors.torch.load_file + load_state_dict do.
const SCRIPT = `
import json, struct, sys, torch
exec(json.load(open(sys.argv[1]))["model_code"])
raw = open(sys.argv[2], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__", None)
types = {"F32": torch.float32, "I64": torch.int64, "I32": torch.int32}
sd = {}
for k, e in header.items():
    b, end = e["data_offsets"]
    t = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=types[e["dtype"]]) if end > b else torch.empty(0, dtype=types[e["dtype"]])
    sd[k] = t.reshape(e["shape"])
model = Mixed()
model.load_state_dict(sd, strict=True)
model.eval()
inp = json.load(open(sys.argv[3]))
image = torch.tensor(inp["image"], dtype=torch.float32).reshape(inp["image_shape"])
tokens = torch.tensor(inp["tokens"], dtype=torch.int64).reshape(inp["tokens_shape"])
with torch.no_grad():
    y = model(image, tokens)
print(json.dumps({"meta": meta, "nbt": int(model.features[1].num_batches_tracked), "y": y.flatten().tolist()}))
`;

beforeAll(useCpu);

describe('nn → safetensors → PyTorch', () => {
  it.skipIf(noTorch !== null)(
    'PyTorch loads an nn state dict (strict) and computes the same outputs',
    async () => {
      manualSeed(21);
      const model = new Mixed();
      // A few training steps' worth of state: BatchNorm statistics and its step counter.
      const bn = model.features.at(1) as unknown as { num_batches_tracked: { assign(t: unknown): void } };
      bn.num_batches_tracked.assign(tensor(new Int32Array([7]), { shape: [] }));
      model.eval();
      const image = Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.sin(i));
      const tokens = [1, 4, 19, 0, 7, 3, 3, 12, 5, 8];
      const want = tidy(() =>
        noGrad(() =>
          Array.from(
            model
              .call(
                tensor(image, { shape: [2, 3, 8, 8] }),
                tensor(Int32Array.from(tokens), { shape: [2, 5] }),
              )
              .dataSync(),
          ),
        ),
      );
      const sd = model.stateDict();
      const bytes = await writeSafetensors(sd, { format: 'pt' }, { dtypes: { int32: 'I64' } });
      for (const t of Object.values(sd)) t.dispose();
      const dir = await mkdtemp(join(tmpdir(), 'nn-io-torch-'));
      await writeFile(join(dir, 'nn.safetensors'), bytes);
      await writeFile(join(dir, 'check.py'), SCRIPT);
      await writeFile(
        join(dir, 'input.json'),
        JSON.stringify({ image, image_shape: [2, 3, 8, 8], tokens, tokens_shape: [2, 5] }),
      );
      const r = spawnSync(
        PYTHON,
        [
          join(dir, 'check.py'),
          join(FIXTURES, 'mixed_io.json'),
          join(dir, 'nn.safetensors'),
          join(dir, 'input.json'),
        ],
        { encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { meta: Record<string, string>; nbt: number; y: number[] };
      expect(out.meta).toEqual({ format: 'pt' });
      expect(out.nbt).toBe(7);
      expect(allclose(want, out.y)).toBeLessThanOrEqual(1);
    },
    300_000,
  );
});
