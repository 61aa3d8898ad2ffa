/**
 * The benchmark runner: `npm run bench [-- <name> …] [--quick]` (esbuild bundles it to dist/bench.js).
 * Each benchmark is a module test/bench/<name>.ts exporting `run({ quick })`; to add one, add a line to
 * BENCHES. With no names, all run in the order listed. A benchmark that needs a clean process for a
 * measurement (peak RSS) may export `child(args)`; it is reached as `node dist/bench.js --child <name> …`.
 */
import * as os from 'node:os';

interface BenchModule {
  run(opts: { quick: boolean }): Promise<void>;
  child?(args: string[]): Promise<void>;
}

const BENCHES: Record<string, () => Promise<BenchModule>> = {
  data: () => import('./data.js'),
  bigdata: () => import('./bigdata.js'),
  stream: () => import('./stream.js'),
  ngram: () => import('./ngram.js'),
  inline: () => import('./inline.js'),
  finetune: () => import('./finetune.js'),
  encoder: () => import('./encoder.js'),
  realmodel: () => import('./realmodel.js'),
  fewshot: () => import('./fewshot.js'),
  audit: () => import('./audit.js'),
  active: () => import('./active.js'),
};

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    const [, name, ...rest] = argv;
    const mod = await BENCHES[name]?.();
    if (!mod?.child) throw new Error(`bench: no child entry for "${name}"`);
    await mod.child(rest);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: npm run bench -- [${Object.keys(BENCHES).join('|')} …] [--quick]`);
    return;
  }
  const quick = argv.includes('--quick');
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (!BENCHES[name]) throw new Error(`bench: unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
  }
  const selected = names.length ? names : Object.keys(BENCHES);
  console.log(`# Fine-tune benchmarks (${quick ? 'quick' : 'full'}): ${selected.join(', ')}`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const name of selected) {
    const started = Date.now();
    await (await BENCHES[name]()).run({ quick });
    console.log(`\n(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // The runner's own usage errors say enough; anything else gets its stack.
  console.error(e instanceof Error ? (e.message.startsWith('bench:') ? e.message : (e.stack ?? e.message)) : e);
  process.exit(1);
});
