import { resolve } from 'node:path';
import { startLocalRuntime } from '../lambdas/local/runtime.js';
import { synthesizeTopology } from '../lib/local-topology.js';

/**
 * `npm start`: serves the whole service on 127.0.0.1:${PORT:-3000} with no AWS account.
 * Environment: PORT, WEBHOOKS_DATA_DIR (.data), WEBHOOKS_LOCAL_API_KEY, WEBHOOKS_LOCAL_ADMIN_TOKEN,
 * WEBHOOKS_ALLOW_PRIVATE_TARGETS (true; false applies the deployed URL policy: https only, public
 * targets), WEBHOOKS_RECONCILE_INTERVAL_SECONDS (60),
 * WEBHOOKS_ESCALATION_WAIT_SECONDS (the stack's escalationWait: 72 h). Alert emails are written to
 * <data dir>/outbox/, ops-topic notices to <data dir>/ops-topic.jsonl. Once ready it prints an
 * `export BASE=… KEY=… ADMIN_TOKEN=…` line for the README's curl examples.
 */

const env = process.env;
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const apiKey = env.WEBHOOKS_LOCAL_API_KEY;
if (apiKey !== undefined && !/^ak_[0-9a-z]{16,100}$/.test(apiKey)) {
  console.error('WEBHOOKS_LOCAL_API_KEY must look like ak_ followed by 16-100 lowercase letters or digits');
  process.exit(2);
}

const escalationWait = env.WEBHOOKS_ESCALATION_WAIT_SECONDS;
if (escalationWait !== undefined && !/^\d{1,8}$/.test(escalationWait)) {
  console.error('WEBHOOKS_ESCALATION_WAIT_SECONDS must be a whole number of seconds');
  process.exit(2);
}

const port = Number(env.PORT ?? 3000);
const runtime = await startLocalRuntime({
  topology: synthesizeTopology(),
  dataDir: resolve(env.WEBHOOKS_DATA_DIR ?? '.data'),
  port,
  apiKey,
  adminToken: env.WEBHOOKS_LOCAL_ADMIN_TOKEN,
  allowPrivateTargets: env.WEBHOOKS_ALLOW_PRIVATE_TARGETS !== 'false',
  reconcileIntervalMs: Number(env.WEBHOOKS_RECONCILE_INTERVAL_SECONDS ?? 60) * 1000,
  escalationWaitSeconds: escalationWait === undefined ? undefined : Number(escalationWait),
  log: (line) => console.log(line),
}).catch((error: unknown) => {
  // Another process holds the port: say so in one line instead of a stack trace.
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.error(
    `Port ${port} on 127.0.0.1 is in use (EADDRINUSE): stop what holds it, or set PORT (0: any free port)`,
  );
  process.exit(1);
});

/** A value as one shell word (the admin token may be anything the user chose). */
const shellWord = (value: string): string =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;

if (!apiKey) console.log(`API key (account ${runtime.accountId}, all tenant scopes): ${runtime.apiKey}`);
if (!env.WEBHOOKS_LOCAL_ADMIN_TOKEN) console.log(`Admin token: ${runtime.adminToken}`);
console.log(
  `Portal link (account ${runtime.accountId}, one-time, open within 15 minutes; session until ${runtime.portalLink.expiresAt}): ${runtime.portalLink.url}`,
);
console.log(`serverless-webhooks ready on ${runtime.url}`);
// The README's curl examples use these three variables: paste this line into another terminal.
console.log(`export BASE=${runtime.url} KEY=${runtime.apiKey} ADMIN_TOKEN=${shellWord(runtime.adminToken)}`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
