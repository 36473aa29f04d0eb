/**
 * `npm run chaos`: the full fault-injection run — 2,000 events x 5 endpoints, 30% of requests
 * failing at random, the runtime SIGKILLed three times. Exits non-zero if anything is lost.
 */
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';

const { runChaos } = await import('../test/support/chaos.js');

const report = await runChaos({
  events: Number(process.env.CHAOS_EVENTS ?? 2000),
  endpoints: 5,
  failureRate: 0.3,
  kills: Number(process.env.CHAOS_KILLS ?? 3),
  timeoutMs: 30 * 60_000,
  log: (line) => console.error(line),
});
console.log(JSON.stringify(report, null, 2));
process.exit(report.lost === 0 ? 0 : 1);
