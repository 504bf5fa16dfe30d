import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { CROSS_ORIGIN_ISOLATION } from '../../scripts/isolation.mjs';
import { runnableCode } from './runnable-markdown.js';

const apiSidebarFile = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));
// Written by scripts/api.mjs (docs:build and docs:dev run it first).
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile)
  ? JSON.parse(readFileSync(apiSidebarFile, 'utf8'))
  : [];

const guides: DefaultTheme.SidebarItem[] = [
  {
    text: 'Start',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Coming from PyTorch', link: '/guide/from-pytorch' },
      { text: 'Coming from TensorFlow.js', link: '/guide/from-tfjs' },
    ],
  },
  {
    text: 'Core',
    items: [
      { text: 'Tensors and broadcasting', link: '/guide/tensors' },
      { text: 'Autograd', link: '/guide/autograd' },
      { text: 'Building models', link: '/guide/models' },
      { text: 'Training', link: '/guide/training' },
      { text: 'The NeuralNetwork estimator', link: '/guide/estimator' },
      { text: 'Data', link: '/guide/data' },
      { text: 'A character-level language model', link: '/guide/language-model' },
    ],
  },
  {
    text: 'Running it',
    items: [
      { text: 'Choosing a backend', link: '/guide/backends' },
      { text: 'Memory', link: '/guide/memory' },
      { text: 'Saving, loading, model formats', link: '/guide/saving' },
      { text: 'Bundlers', link: '/guide/bundlers' },
    ],
  },
  {
    text: 'Project',
    items: [{ text: 'Contributing', link: '/guide/contributing' }],
  },
];

// NN_DOCS_BASE serves the site under a sub-path (e.g. '/nn/' on a project page).
const base = process.env.NN_DOCS_BASE ?? '/';

export default defineConfig({
  title: 'nn',
  description: 'Deep learning in TypeScript with a PyTorch-like API, on cpu, wasm and webgpu',
  base,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }]],
  outDir: '../dist',
  cacheDir: '../.vitepress-cache',
  lastUpdated: false,
  cleanUrls: false,
  markdown: {
    config(md) {
      md.use(runnableCode);
    },
  },
  vite: {
    // wasm threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages.
    server: { headers: CROSS_ORIGIN_ISOLATION },
    preview: { headers: CROSS_ORIGIN_ISOLATION },
    // The site serves its own MNIST file: @nn/data's browser-side digit loader (which only says
    // "Node only") is replaced by src/mnist-browser.ts, so loadMnist works in the pages.
    resolve: {
      alias: [
        {
          find: /^#platform\/mnist-digits$/,
          replacement: fileURLToPath(new URL('../../src/mnist-browser.ts', import.meta.url)),
        },
      ],
    },
    build: { chunkSizeWarningLimit: 4096, target: 'es2022' },
    worker: { format: 'es' },
  },
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '/guide/' },
      { text: 'API', link: '/api/', activeMatch: '/api/' },
      { text: 'Playground', link: '/playground' },
      { text: 'Benchmark', link: '/benchmark' },
    ],
    sidebar: {
      '/guide/': guides,
      '/api/': [{ text: 'API reference', link: '/api/' }, ...apiSidebar],
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
});
