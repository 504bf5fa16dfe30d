/**
 * console.log for runnable examples: turns the logged values into one line of text, close to
 * what Node prints (tensors by their own toString, typed arrays as `Float32Array(2) [ 1, 2 ]`).
 * The page and the doctest both print through here, so the expected outputs hold in both.
 */

const MAX_ITEMS = 100;

function isTypedArray(v: unknown): v is ArrayLike<number> & { constructor: { name: string } } {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isTensorLike(v: object): boolean {
  return v.constructor?.name === 'Tensor' && 'shape' in v && 'dtype' in v;
}

function list(items: string[], more: number): string {
  const all = more > 0 ? [...items, `... ${more} more item${more === 1 ? '' : 's'}`] : items;
  return all.length ? `[ ${all.join(', ')} ]` : '[]';
}

function inspect(v: unknown, depth: number, seen: Set<object>): string {
  if (typeof v === 'string') return depth === 0 ? v : `'${v}'`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[Function: ${v.name || '(anonymous)'}]`;
  if (typeof v !== 'object' || v === null) return String(v);
  if (seen.has(v)) return '[Circular]';
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (isTensorLike(v)) return String(v);
  if (isTypedArray(v)) {
    const shown = Array.from(v)
      .slice(0, MAX_ITEMS)
      .map((x) => inspect(x, depth + 1, seen));
    return `${v.constructor.name}(${v.length}) ${list(shown, v.length - shown.length)}`;
  }
  if (depth > 4) return Array.isArray(v) ? '[Array]' : '[Object]';
  seen.add(v);
  try {
    if (Array.isArray(v)) {
      const shown = v.slice(0, MAX_ITEMS).map((x) => inspect(x, depth + 1, seen));
      return list(shown, v.length - shown.length);
    }
    if (v instanceof Map) {
      const entries = [...v].map(
        ([k, x]) => `${inspect(k, depth + 1, seen)} => ${inspect(x, depth + 1, seen)}`,
      );
      return `Map(${v.size}) {${entries.length ? ` ${entries.join(', ')} ` : ''}}`;
    }
    if (v instanceof Set) {
      const entries = [...v].map((x) => inspect(x, depth + 1, seen));
      return `Set(${v.size}) {${entries.length ? ` ${entries.join(', ')} ` : ''}}`;
    }
    const proto = Object.getPrototypeOf(v);
    const name = proto && proto !== Object.prototype ? proto.constructor?.name : '';
    const entries = Object.entries(v).map(([k, x]) => {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`;
      return `${key}: ${inspect(x, depth + 1, seen)}`;
    });
    const body = entries.length ? `{ ${entries.join(', ')} }` : '{}';
    return name ? `${name} ${body}` : body;
  } finally {
    seen.delete(v);
  }
}

/** The line console.log would print for these arguments. */
export function formatLog(args: readonly unknown[]): string {
  return args.map((a) => inspect(a, 0, new Set())).join(' ');
}
