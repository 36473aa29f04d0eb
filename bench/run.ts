/**
 * `npm run bench`: the service's figures, measured locally, in sections:
 *  - delivery: the delivery pipeline on the local runtime (bench/delivery.ts: burst, paced latency,
 *    CPU per delivery, the modelled AWS bill per million deliveries);
 *  - fanout: one event fanned out to 10,000 endpoints of one account (bench/fanout.ts);
 *  - bundles: each Lambda bundle's size and import time in a fresh Node process (bench/bundles.ts).
 * All run by default, in that order; `BENCH_ONLY=fanout,bundles npm run bench` runs only those.
 * Prints each section's full figures as one JSON object, then its summary tables per section, then
 * issue 13's targets next to the figures measured (docs/cost.md).
 * Figures are printed, never asserted: tests do not time things.
 */

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';

// The sections' modules read the environment at import time: imported only after it is set.
const { formatTable, targetsTable } = await import('./summary.js');
type SectionResult = import('./summary.js').SectionResult;
type Section = (log: (line: string) => void) => Promise<SectionResult>;

const SECTIONS: Record<string, () => Promise<Section>> = {
  delivery: async () => (await import('./delivery.js')).benchDelivery,
  fanout: async () => (await import('./fanout.js')).benchFanout,
  bundles: async () => (await import('./bundles.js')).benchBundles,
};

const selected = (process.env.BENCH_ONLY ?? Object.keys(SECTIONS).join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = selected.filter((name) => !(name in SECTIONS));
if (unknown.length > 0 || selected.length === 0) {
  console.error(
    `BENCH_ONLY: unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`,
  );
  process.exit(2);
}

const log = (line: string) => console.error(`[bench] ${line}`);
const results: Record<string, SectionResult> = {};
for (const name of Object.keys(SECTIONS).filter((section) => selected.includes(section))) {
  log(`${name}: starting`);
  const started = performance.now();
  const bench = await SECTIONS[name]!();
  results[name] = await bench(log);
  log(`${name}: done in ${Math.round((performance.now() - started) / 1000)} s`);
}

console.log(
  JSON.stringify(Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.report])), null, 2),
);
console.log();
for (const result of Object.values(results)) {
  for (const table of result.tables) console.log(`${formatTable(table)}\n`);
}
// Issue 13's targets next to the figures of the sections that ran, in one table.
const targets = Object.values(results).flatMap((result) => result.targets ?? []);
if (targets.length > 0) console.log(`${formatTable(targetsTable(targets))}\n`);
process.exit(0);
