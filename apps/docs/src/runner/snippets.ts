/**
 * The runnable-code syntax of the guides, shared by the site (a markdown-it plugin turns these
 * fences into editable, runnable blocks) and the doctest (which runs every one in Node):
 *
 * ````md
 * ```ts run
 * console.log(tensor([1, 2]).add(1).toString());
 * ```
 *
 * ```text output
 * tensor([2., 3.])
 * ```
 * ````
 *
 * The optional `output` fence right after a runnable one is what it prints; the doctest compares.
 */

/** The first word of a fence's info is the language; the rest are flags. */
export interface FenceInfo {
  lang: string;
  run: boolean;
  output: boolean;
}

export function parseFenceInfo(info: string): FenceInfo {
  const words = info.trim().split(/\s+/);
  const flags = new Set(words.slice(1));
  return { lang: words[0] ?? '', run: flags.has('run'), output: flags.has('output') };
}

export interface Snippet {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The text of the `output` fence that follows, or null. */
  expected: string | null;
}

interface Fence {
  line: number;
  info: string;
  content: string;
  /** Index of the line after the closing fence. */
  end: number;
}

function readFences(markdown: string): Fence[] {
  const lines = markdown.split('\n');
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, marker, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === marker[0] && close[1].length >= marker.length) break;
      body.push(indent ? lines[j].replace(new RegExp(`^ {0,${indent.length}}`), '') : lines[j]);
    }
    fences.push({ line: i + 1, info, content: body.length ? `${body.join('\n')}\n` : '', end: j + 1 });
    i = j;
  }
  return fences;
}

/** Every runnable fence of a markdown page, with its expected output when one follows. */
export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const fences = readFences(markdown);
  const out: Snippet[] = [];
  fences.forEach((f, k) => {
    const info = parseFenceInfo(f.info);
    if (!info.run) return;
    const next = fences[k + 1];
    const between = next ? lines.slice(f.end, next.line - 1) : [];
    const adjacent = next && between.every((l) => l.trim() === '');
    const expected = adjacent && parseFenceInfo(next.info).output ? next.content : null;
    out.push({ line: f.line, lang: info.lang, code: f.content, expected });
  });
  return out;
}
