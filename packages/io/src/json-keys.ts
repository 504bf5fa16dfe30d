/**
 * The keys of a JSON object's top level, in file order, duplicates included (`JSON.parse` keeps
 * only the last of a duplicated key and reorders integer-like keys). `text` must already have
 * parsed as a JSON object.
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let i = text.indexOf('{') + 1;
  let depth = 1;
  let expectKey = true;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, end)) as string);
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return keys;
}

/** The index just past the string literal that starts at `start` (a '"'). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}
