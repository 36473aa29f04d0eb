import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { anOldDataDirectory } from '../support/old-data-directory.js';

/**
 * `npm start` on a data directory an older version made (no `account_items` index): the runtime
 * upgrades it on start, so the admin listings answer, never a 500, and every account and key is kept.
 */

let runtime: TestRuntime | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await runtime?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a runtime starting on an old data directory', () => {
  it('serves the admin listings with every account and key the directory held', async () => {
    // Prepare
    const old = await anOldDataDirectory();
    dataDir = old.dataDir;

    // Act
    runtime = await startTestRuntime({ dataDir: old.dataDir });
    const accounts = await runtime.admin.get<{ data: { id: string }[] }>('/v1/admin/accounts?limit=100');
    const keys = await runtime.admin.get<{ data: { id: string }[] }>(
      `/v1/admin/accounts/${old.accounts[0]!.id}/api-keys`,
    );

    // Assess
    expect(accounts.status).toBe(200);
    const ids = accounts.body.data.map((account) => account.id);
    for (const account of old.accounts) expect(ids).toContain(account.id);
    expect(keys.status).toBe(200);
    expect(keys.body.data.map((key) => key.id).sort()).toEqual(old.keys.map((key) => key.id).sort());
    const key = await runtime.tenant.withToken(old.keys[0]!.key).get('/v1/webhooks');
    expect(key.status).toBe(200);
  }, 60_000);
});
