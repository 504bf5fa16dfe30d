/** The backend the reader picked for runnable examples, shared by every example of the site. */
import { ref, watch } from 'vue';
import { BACKENDS, type BackendName } from './backends.js';

const KEY = 'nn-docs-backend';

function stored(): BackendName {
  const v = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
  return (BACKENDS as readonly string[]).includes(v ?? '') ? (v as BackendName) : 'wasm';
}

export const preferredBackend = ref<BackendName>('wasm');
let loaded = false;

/** Call from onMounted (localStorage exists only in the browser, not during the static build). */
export function loadPreferredBackend(): void {
  if (loaded) return;
  loaded = true;
  preferredBackend.value = stored();
  watch(preferredBackend, (v) => localStorage.setItem(KEY, v));
}

/** WebGPU is offered where the browser exposes it; whether an adapter exists shows on first use. */
export function backendOffered(name: BackendName): boolean {
  if (name !== 'webgpu') return true;
  return typeof navigator !== 'undefined' && 'gpu' in navigator;
}
