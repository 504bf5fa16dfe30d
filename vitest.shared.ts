import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Tests run TypeScript sources of the workspace packages (the "source" export condition), not
// their dist builds. Vite resolves server-side imports with `ssr.resolve`, so both need it.
const conditions = ['source', 'node', 'import', 'default'];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};

/** In CI nothing may skip: a suite that cannot run fails instead. */
export function isCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** The Chromium the browser projects launch: `NN_CHROMIUM` (or its older name `CHROMIUM_PATH`), else Debian's. */
export function chromiumPath(): string {
  return process.env.NN_CHROMIUM || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

const ENABLE = 'run `bash .ci/install-system.sh` (Mesa lavapipe and Chromium)';

/** Why the browser projects cannot run here, or null when the Chromium binary is there. */
export function chromiumMissing(): string | null {
  const path = chromiumPath();
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, constants.X_OK);
    return null;
  } catch {
    return `no Chromium executable at ${path}; ${ENABLE} or set NN_CHROMIUM to a Chromium binary`;
  }
}

/** The env variable the root config sets when it found no WebGPU adapter, read by the tests. */
export const WEBGPU_SKIP_ENV = 'NN_SKIP_WEBGPU';

/**
 * Why WebGPU tests cannot run in Node here, or null when Dawn finds an adapter. Asked in a child
 * process, so the test runner itself never loads Dawn.
 */
export function webgpuMissing(): string | null {
  const cwd = join(dirname(fileURLToPath(import.meta.url)), 'packages', 'backend-webgpu');
  const probe =
    "import { create, globals } from 'webgpu'; Object.assign(globalThis, globals);" +
    "const a = await create([]).requestAdapter(); process.stdout.write(a ? 'adapter' : 'none'); process.exit(0);";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.stdout === 'adapter') return null;
  const why = r.stdout === 'none' ? 'Dawn found no Vulkan driver' : 'the webgpu package could not start Dawn';
  return `no WebGPU adapter in Node (${why}); ${ENABLE}`;
}

/**
 * The WebGPU backend `make` gives, or outside CI the reason there is none, so the group skips.
 * The root config probes once (`NN_SKIP_WEBGPU`); a package run on its own probes here. In CI the
 * error is thrown: nothing may skip there.
 */
export async function webgpuOrReason<T>(make: () => Promise<T>): Promise<T | string> {
  const known = process.env[WEBGPU_SKIP_ENV];
  if (known && !isCI()) return known;
  try {
    return await make();
  } catch (e) {
    if (isCI()) throw e;
    return (e as Error).message;
  }
}

/**
 * Launch options for Debian's Chromium in the browser test projects (see TOOLING.md): the new
 * headless mode, and nothing that reaches the network (Playwright gives each launch a fresh
 * profile directory). `NN_CHROMIUM` overrides the binary.
 */
export function chromiumLaunchOptions(extraArgs: string[] = []) {
  return {
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
    ignoreDefaultArgs: ['--headless'],
  };
}
