/**
 * Compares printed output with the expected text of an `output` fence: the text must match
 * exactly, the numbers in it to about 4 significant digits (backends sum in different orders).
 */
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/gi;

export function sameOutput(actual: string, expected: string): string | null {
  const a = actual.trim().replace(/[ \t]+$/gm, '');
  const e = expected.trim().replace(/[ \t]+$/gm, '');
  if (a.replace(NUMBER, '#') !== e.replace(NUMBER, '#')) return `printed:\n${a}\nexpected:\n${e}`;
  const an = a.match(NUMBER) ?? [];
  const en = e.match(NUMBER) ?? [];
  for (let i = 0; i < en.length; i++) {
    const x = Number(an[i]);
    const y = Number(en[i]);
    if (Math.abs(x - y) > 1e-4 + 1e-3 * Math.abs(y)) {
      return `number ${i + 1} differs: printed ${an[i]}, expected ${en[i]}\nprinted:\n${a}\nexpected:\n${e}`;
    }
  }
  return null;
}
