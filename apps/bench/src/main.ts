/** Entry point: `pnpm bench <matmul|conv|train|io|sdpa|attention|all> [options]`. */
import { cpus, loadavg } from 'node:os';

import { benchAttention } from './benches/attention.js';
import { benchConv, benchConv2d } from './benches/conv.js';
import { benchIo } from './benches/io.js';
import { benchMatmul } from './benches/matmul.js';
import { benchSdpa } from './benches/sdpa.js';
import { benchTrain } from './benches/train.js';
import type { Options } from './cli.js';
import { parseArgs, USAGE, UsageError } from './cli.js';
import { note, setJsonOnly } from './report.js';

const BENCHES: Record<string, (o: Options) => Promise<boolean>> = {
  matmul: benchMatmul,
  conv: benchConv,
  train: benchTrain,
  io: benchIo,
  sdpa: benchSdpa,
  attention: benchAttention,
};

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`bench: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const { benches, options, help } = parsed;
  if (help || benches.length === 0) {
    console.log(USAGE);
    return help ? 0 : 2;
  }
  // `all` runs the CNN epoch once, in train, rather than in conv too.
  const all = benches.includes('all');
  const names = all ? Object.keys(BENCHES) : benches;
  for (const name of names) {
    if (!BENCHES[name]) {
      console.error(`bench: unknown bench '${name}' (${Object.keys(BENCHES).join(', ')}, all)\n\n${USAGE}`);
      return 2;
    }
  }
  setJsonOnly(options.json);
  // Figures from a shared machine mean little without its load: say it up front.
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  note(
    `# node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${load}`,
  );
  let ok = true;
  for (const name of names) {
    note(`# ${name}`);
    const bench = all && name === 'conv' ? benchConv2d : BENCHES[name];
    ok = (await bench(options)) && ok;
  }
  return ok ? 0 : 1;
}

// Dawn keeps the event loop alive while a device exists, so leave explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
