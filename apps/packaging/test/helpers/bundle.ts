import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { createLogger, build as viteBuild } from 'vite';
import webpack from 'webpack';

/** What a bundler left in `outDir`: the modules it bundled and every warning (errors reject). */
export interface Bundle {
  bundler: 'vite' | 'webpack' | 'esbuild';
  outDir: string;
  /** Ids (paths, or names such as `node:fs` for what the bundler could not read) of every module. */
  modules: string[];
  warnings: string[];
}

/** The page for the bundlers that take a script rather than an HTML entry. */
function writePage(outDir: string, script: string): void {
  writeFileSync(
    join(outDir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><script ${script}></script>\n`,
  );
}

/** Vite: `vite build` of app/index.html, no config file. */
export async function bundleWithVite(app: string, outDir: string): Promise<Bundle> {
  const warnings: string[] = [];
  const logger = createLogger('warn');
  logger.warn = (msg) => void warnings.push(msg);
  logger.warnOnce = logger.warn;
  const result = await viteBuild({
    root: app,
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir, emptyOutDir: true },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as { output: { moduleIds?: string[] }[] }[];
  const modules = outputs.flatMap((r) => r.output.flatMap((o) => o.moduleIds ?? []));
  return { bundler: 'vite', outDir, modules, warnings };
}

const PERFORMANCE_HINT = /^(asset size limit|entrypoint size limit|webpack performance recommendations)/;

/** webpack 5: production mode, the entry and the output folder, nothing else. */
export function bundleWithWebpack(app: string, outDir: string): Promise<Bundle> {
  return new Promise((resolve, reject) => {
    webpack(
      { context: app, entry: './main.js', mode: 'production', output: { path: outDir } },
      (err, stats) => {
        if (err || !stats) return reject(err ?? new Error('webpack: no stats'));
        const info = stats.toJson({
          all: false,
          errors: true,
          warnings: true,
          modules: true,
          nestedModules: true,
        });
        if (stats.hasErrors()) return reject(new Error(info.errors!.map((e) => e.message).join('\n')));
        type Module = { identifier?: string; modules?: Module[] };
        const flat = (ms: Module[]): string[] =>
          ms.flatMap((m) => [m.identifier ?? '', ...flat(m.modules ?? [])]);
        writePage(outDir, 'src="main.js"');
        // webpack's performance hints flag any asset over 244 KiB; they advise on size, which the
        // size test bounds against TensorFlow.js, and say nothing about whether nn bundles cleanly.
        const warnings = info.warnings!.map((w) => w.message).filter((m) => !PERFORMANCE_HINT.test(m));
        resolve({ bundler: 'webpack', outDir, modules: flat(info.modules as Module[]), warnings });
      },
    );
  });
}

/** esbuild: --bundle --minify --format=esm for the browser. */
export async function bundleWithEsbuild(app: string, outDir: string): Promise<Bundle> {
  const r = await esbuild.build({
    entryPoints: [join(app, 'main.js')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    logLevel: 'silent',
  });
  writePage(outDir, 'type="module" src="main.js"');
  const modules = Object.keys(r.metafile.inputs);
  return { bundler: 'esbuild', outDir, modules, warnings: r.warnings.map((w) => w.text) };
}

/** One entry bundled alone by esbuild (minified), for the size comparison with TensorFlow.js. */
export async function esbuildSize(entry: string): Promise<number> {
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(r.outputFiles[0].contents, { level: 9 }).length;
}

/** Every JavaScript file of a folder, relative path to its bytes. */
export function scripts(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Bytes of all the JavaScript of a bundle, raw and gzipped (level 9, each file on its own). */
export function bundleSize(dir: string): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const bytes of scripts(dir).values()) {
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}
