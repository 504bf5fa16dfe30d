import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { parseTrainFigures, type ReadmeFigures } from '../src/bench/readme-figures.js';

const readme = new URL('../../bench/README.md', import.meta.url);

declare const data: ReadmeFigures | null;

export { data };

export default defineLoader({
  watch: ['../../bench/README.md'],
  load(): ReadmeFigures | null {
    return parseTrainFigures(readFileSync(readme, 'utf8'));
  },
});
