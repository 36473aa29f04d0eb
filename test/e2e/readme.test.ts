import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/** The README's curl examples, run as written (bash + curl -f) against a local runtime. */

const README_KEY = 'ak_localdevelopmentkey01';
let runtime: TestRuntime;

async function readmeExample(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- readme-example[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!block?.[1]) throw new Error('README has no readme-example block');
  return block[1];
}

beforeAll(async () => {
  runtime = await startTestRuntime({ apiKey: README_KEY });
});

afterAll(async () => {
  await runtime.dispose();
});

describe('README', () => {
  it('runs its curl examples as written, each answering 2xx', async () => {
    // Prepare
    const script = await readmeExample();

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, BASE: runtime.url, KEY: README_KEY },
    });

    // Assess
    expect(stdout).toContain('"name":"order.created"');
    expect(stdout).toMatch(/"secret":"whsec_[A-Za-z0-9+/=]{44}"/);
    expect(stdout).toMatch(/\{"id":"evt_[0-9a-z]{26}"\}/);
  });
});
