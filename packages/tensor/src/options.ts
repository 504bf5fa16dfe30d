import { ValueError } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * An options object with a key the function does not know. A PyTorch user types
 * `{ weight_decay: 0.5 }` or `{ use_bias: false }` without thinking; ignoring such a key would
 * train a different model than the one written, so every options object of every package is
 * checked by `checkOptions` and this error names the right key when it knows the spelling.
 */
export class UnknownOptionError extends ValueError {
  override name = 'UnknownOptionError';
  constructor(
    message: string,
    /** The keys that are not options of the function, in the order given. */
    readonly unknownKeys: readonly string[],
    /** The keys the function takes. */
    readonly validKeys: readonly string[],
    /** For each unknown key with a known spelling, the key meant. */
    readonly suggestions: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/**
 * Names other libraries (PyTorch, Keras, TensorFlow.js, NumPy) give to what nn calls otherwise,
 * beyond snake_case → camelCase, which is tried for every key. A spelling is suggested only when
 * its nn name is an option of the function at hand, so one table serves every function.
 */
const OTHER_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  use_bias: ['bias'],
  useBias: ['bias'],
  axis: ['dim'],
  axes: ['dim'],
  keepdims: ['keepdim'],
  keep_dims: ['keepdim'],
  keepDims: ['keepdim'],
  keepDim: ['keepdim'],
  learning_rate: ['lr'],
  learningRate: ['lr'],
  learning_rate_init: ['lr'],
  device: ['backend'],
  epsilon: ['eps'],
  rate: ['p'],
  units: ['outFeatures'],
  size_average: ['reduction'],
  sizeAverage: ['reduction'],
  reduce: ['reduction'],
  beta1: ['betas'],
  beta_1: ['betas'],
  beta2: ['betas'],
  beta_2: ['betas'],
  num_epochs: ['epochs'],
  numEpochs: ['epochs'],
  max_epochs: ['epochs'],
  max_iter: ['epochs'],
  random_state: ['seed'],
  hidden_layer_sizes: ['layers'],
  dropout: ['dropoutRate', 'p'],
  alpha: ['regLambda'],
  validation_data: ['validationData'],
  validation_split: ['validationSplit'],
};

function snakeToCamel(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

function loose(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The valid key a user most likely meant by `key`, or undefined. */
export function suggestOption(key: string, valid: readonly string[]): string | undefined {
  const known = new Set(valid);
  const others = Object.hasOwn(OTHER_SPELLINGS, key) ? OTHER_SPELLINGS[key] : [];
  for (const candidate of others) if (known.has(candidate)) return candidate;
  const camel = snakeToCamel(key);
  if (known.has(camel)) return camel;
  const l = loose(key);
  const same = valid.find((v) => loose(v) === l);
  if (same) return same;
  // A typo: one edit in short names, two in longer ones.
  const budget = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const v of valid) {
    const d = editDistance(l, loose(v), budget);
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return best;
}

function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array [${v.map(String).join(', ')}]`;
  if (v instanceof Tensor) return 'a Tensor';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}

/** Whether `v` can be an options object: an object that is not an array, tensor, typed array or function. */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Tensor) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof Promise)
  );
}

/**
 * Checks an options object against the keys `where` knows and returns it (`{}` for undefined or
 * null). Throws an `UnknownOptionError` naming every unknown key, the key meant when the spelling
 * is known (`weight_decay` → `weightDecay`, `use_bias` → `bias`, `keepdims` → `keepdim`, typos)
 * and the valid keys; a value that is not an object at all is a `ValueError`.
 *
 * ```ts
 * const o = checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
 * ```
 */
export function checkOptions<T extends object>(
  where: string,
  options: T | undefined | null,
  validKeys: readonly (keyof T & string)[] | readonly string[],
): T {
  if (options === undefined || options === null) return {} as T;
  const valid = validKeys as readonly string[];
  if (!isOptionsObject(options)) {
    throw new ValueError(
      `${where}: expected an options object { ${valid.join(', ')} }, got ${describeKind(options)}`,
    );
  }
  const unknown = Object.keys(options).filter((k) => !valid.includes(k));
  if (unknown.length === 0) return options;
  const suggestions: Record<string, string> = {};
  const parts = unknown.map((k) => {
    const s = suggestOption(k, valid);
    if (s === undefined) return `'${k}'`;
    suggestions[k] = s;
    return `'${k}' (did you mean '${s}'?)`;
  });
  const noun = unknown.length === 1 ? 'option' : 'options';
  const list = valid.length ? valid.join(', ') : 'none';
  throw new UnknownOptionError(
    `${where}: unknown ${noun} ${parts.join(', ')}; valid options: ${list}`,
    unknown,
    valid,
    suggestions,
  );
}

/**
 * The keys of an options type as a list, checked by the compiler to be complete: every key of
 * `T` must appear (and nothing else), so the list cannot fall behind the type.
 *
 * ```ts
 * const SGD_KEYS = optionKeys<SGDOptions>({ lr: 1, momentum: 1, dampening: 1, weightDecay: 1, nesterov: 1 });
 * ```
 */
export function optionKeys<T extends object>(
  keys: { readonly [K in keyof Required<T>]: 1 },
): (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}
