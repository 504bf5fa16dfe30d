import { ValueError } from './errors.js';

const AsyncFunction = (async () => {}).constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * Scopes (`tidy`, `noGrad`, `enableGrad`) hold for synchronous code only: after an `await` the
 * scope has already closed, so `noGrad(async () => ...)` would record gradients and `tidy` would
 * free tensors the function still uses. An async function is refused before it runs, so no
 * promise is made and nothing is left running.
 */
export function checkSyncScope(where: string, fn: unknown, hint: string): void {
  if (typeof fn !== 'function') throw new ValueError(`${where}: expected a function, got ${typeof fn}`);
  if (fn instanceof AsyncFunction || fn instanceof AsyncGeneratorFunction) {
    throw new ValueError(
      `${where}: fn is an async function, but ${where} scopes synchronous code only (it would end at the first await). ${hint}`,
    );
  }
}

/**
 * A synchronous function that returned a promise: the scope has closed under its work. The
 * promise gets a handler, so a later rejection cannot crash the process as unhandled, and the
 * caller gets the error now.
 */
export function refuseReturnedPromise(where: string, result: unknown, hint: string): void {
  if (!isThenable(result)) return;
  Promise.resolve(result).catch(() => {});
  throw new ValueError(
    `${where}: fn returned a Promise, but ${where} scopes synchronous code only (the scope ended before the promise settled). ${hint}`,
  );
}
