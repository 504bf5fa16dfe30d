import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { memory, type Tensor } from '@nn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, loadSafetensors, loadTorch, SourceError } from '../src/index.js';
import { FIXTURES, fixture, useCpu } from './helpers.js';

// Every source kind in Node: http(s) URLs (a server on the loopback address), file: URLs, paths.
let server: Server;
let base: string;

beforeAll(async () => {
  useCpu();
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    let body: Uint8Array | null = null;
    try {
      if (/^[a-z_]+\.(pt|safetensors)$/.test(name)) body = fixture(name);
    } catch {
      // not a fixture: 404
    }
    if (body) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const disposeMap = (m: Map<string, Tensor>) => {
  for (const t of new Set(m.values())) t.dispose();
};

describe('sources', () => {
  it('fetches http URLs (a URL object or a string) and reads file: URLs and paths', async () => {
    for (const source of [
      new URL('/mlp_mnistlike.safetensors', base),
      `${base}/mlp_mnistlike.safetensors`,
      pathToFileURL(`${FIXTURES}/mlp_mnistlike.safetensors`),
      `${FIXTURES}/mlp_mnistlike.safetensors`,
    ]) {
      const m = await loadSafetensors(source);
      expect([...m.keys()].sort(), String(source)).toEqual(['1.bias', '1.weight', '3.bias', '3.weight']);
      disposeMap(m);
    }
    const sd = await loadTorch(new URL('/mixed.pt', base));
    expect(sd.size).toBe(22);
    disposeMap(sd);
  });

  it('says what went wrong: HTTP status, a missing file, a scheme it does not read, a wrong type', async () => {
    const before = memory().numTensors;
    await expect(loadSafetensors(`${base}/missing.safetensors`)).rejects.toThrow(
      /loadSafetensors: fetching 'http:\/\/127\.0\.0\.1:\d+\/missing\.safetensors' gave HTTP 404/,
    );
    await expect(loadTorch(`${FIXTURES}/nope.pt`)).rejects.toThrow(SourceError);
    await expect(loadTorch(`${FIXTURES}/nope.pt`)).rejects.toThrow(
      /loadTorch: cannot read '.*nope\.pt': ENOENT/,
    );
    await expect(loadModel(new URL('ftp://example.invalid/m'))).rejects.toThrow(
      /only http\(s\), blob:, data: and file: URLs/,
    );
    await expect(loadSafetensors(42 as never)).rejects.toThrow(
      /expected a path, a URL, a Blob\/File or bytes/,
    );
    expect(memory().numTensors).toBe(before);
  });
});
