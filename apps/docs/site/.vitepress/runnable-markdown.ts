import type { MarkdownRenderer } from 'vitepress';
import { parseFenceInfo } from '../../src/runner/snippets.js';

type Rule = NonNullable<MarkdownRenderer['renderer']['rules']['fence']>;
type Token = Parameters<Rule>[0][number];

const attr = (s: string): string => encodeURIComponent(s);

/**
 * Turns a ```` ```ts run ```` fence into <RunnableCode>: the highlighted code as VitePress
 * renders it, plus the source (and the `output` fence that follows, if any) for the component to
 * edit and run. See src/runner/snippets.ts for the syntax.
 */
export function runnableCode(md: MarkdownRenderer): void {
  const fence = md.renderer.rules.fence as Rule;
  const isRunnable = (t: Token | undefined): boolean => t?.type === 'fence' && parseFenceInfo(t.info).run;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    const info = parseFenceInfo(token.info);
    // An output fence right after a runnable one is rendered by that one's component.
    if (info.output && isRunnable(tokens[idx - 1])) return '';
    const html = fence(tokens, idx, options, env, self);
    if (!info.run) return html;
    const next = tokens[idx + 1];
    const expected = next?.type === 'fence' && parseFenceInfo(next.info).output ? next.content : '';
    return `<RunnableCode code="${attr(token.content)}" expected="${attr(expected)}" lang="${attr(info.lang)}">${html}</RunnableCode>\n`;
  };
}
