import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's curl examples, copied as written and in order, after a plain `npm start` (issue 9):
 * bin/local.ts runs in a child process with no key or token chosen (only a free port and a fresh
 * data directory, so parallel suites do not collide), the `export …` line it prints is pasted
 * first, then every marked block runs in one bash, as in one terminal. curl is wrapped to report
 * each status on stderr, so each block's statuses are asserted, not only "it did not fail".
 */

const REPO = new URL('../../', import.meta.url);
const MARKED_BLOCK = /<!-- readme-example[^>]*-->\s*```sh\n([\s\S]*?)```/g;
const ANY_SH_BLOCK = /```sh\n([\s\S]*?)```/g;
const EXPORT_LINE = /^export BASE=http:\/\/127\.0\.0\.1:\d+ KEY=ak_[0-9a-z]+ ADMIN_TOKEN=\S+$/;

/** Each marked block's curl statuses, in order. */
const EXPECTED_STATUSES = [
  // event types, create, list, publish
  [200, 201, 200, 202],
  // test send, receiver, history, failed history, retry failed, stats, pause, resume, rotate, delete
  [200, 200, 200, 200, 202, 200, 200, 200, 200, 200],
  // account, API key, event type
  [201, 201, 200],
  // portal link, its exchange
  [201, 201],
];

let child: ChildProcess;
let dataDir: string;
let exportLine: string;

async function readme(): Promise<string> {
  return readFile(new URL('README.md', REPO), 'utf8');
}

/** Starts bin/local.ts as `npm start` does and resolves with the export line it prints. */
function startPlainRuntime(env: NodeJS.ProcessEnv): Promise<string> {
  child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no export line within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`bin/local.ts exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('export ')) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'webhooks-readme-'));
  const {
    WEBHOOKS_LOCAL_API_KEY: _key,
    WEBHOOKS_LOCAL_ADMIN_TOKEN: _token,
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: _private,
    ...inherited
  } = process.env;
  exportLine = await startPlainRuntime({ ...inherited, PORT: '0', WEBHOOKS_DATA_DIR: dataDir });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('README', () => {
  it('marks every curl block, so the test below runs them all', async () => {
    // Prepare
    const text = await readme();

    // Act
    const curlBlocks = [...text.matchAll(ANY_SH_BLOCK)]
      .map((m) => m[1] ?? '')
      .filter((b) => b.includes('curl '));
    const marked = [...text.matchAll(MARKED_BLOCK)].map((m) => m[1] ?? '');

    // Assess
    expect(marked).toEqual(curlBlocks);
    expect(marked).toHaveLength(EXPECTED_STATUSES.length);
  });

  it('prints an export line a user can paste', () => {
    // Prepare
    const line = exportLine;

    // Act
    const matched = EXPORT_LINE.test(line);

    // Assess
    expect(matched).toBe(true);
  });

  it('runs its curl blocks as written, in order, after the export line, each with the expected statuses', async () => {
    // Prepare
    const blocks = [...(await readme()).matchAll(MARKED_BLOCK)].map((m) => m[1] ?? '');
    const script = [
      'set -euo pipefail',
      `curl() { command curl -w '%{stderr}HTTP %{http_code}\\n' "$@"; }`,
      exportLine,
      ...blocks.flatMap((block, index) => [`echo '::block ${index}::' >&2`, block]),
    ].join('\n');

    // Act
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 60_000,
    });

    // Assess
    const statuses = stderr
      .split(/::block \d+::\n/)
      .slice(1)
      .map((part) => [...part.matchAll(/^HTTP (\d{3})$/gm)].map((m) => Number(m[1])));
    expect(statuses).toEqual(EXPECTED_STATUSES);
    expect(stdout).toContain('"name":"order.created"');
    expect(stdout).toMatch(/"secret":"whsec_[A-Za-z0-9+/=]{44}"/);
    expect(stdout).toMatch(/\{"id":"evt_[0-9a-z]{26}"\}/);
    expect(stdout).toMatch(/"success":true,"delivery_id":"[^"]+","status_code":200/);
    expect(stdout).toContain('"path":"/local/receiver/orders"');
    expect(stdout).toContain('{"deleted":true}');
    expect(stdout).toMatch(/"key":"ak_[0-9a-z]+"/);
    expect(stdout).toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+\/portal\/#token=pl_[\w-]{43}"/);
    expect(stdout).toMatch(/"session_key":"ps_[0-9a-z]{40}","account_id":"acc_[0-9a-z]+","read_only":true/);
  });
});
