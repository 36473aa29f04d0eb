import type { Browser, Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { expectAccessible, launchBrowser, newPortalPage, saveScreenshot } from '../support/browser.js';
import { aWebhookBody } from '../support/factories.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * The customer portal in Debian's Chromium against the local runtime, with real receivers on
 * 127.0.0.1 (issue 11's story): each test opens its own session from a minted link, makes what it
 * needs through the portal or, for fixtures, the API, checks every screen with axe-core and saves a
 * screenshot of it under test-output/portal/.
 */
describe('customer portal', { timeout: 60_000 }, () => {
  let runtime: TestRuntime;
  let browser: Browser;
  let receiver: Receiver;

  const openPortal = async (body: Record<string, unknown> = {}): Promise<Page> => {
    const minted = await runtime.admin.post<{ url: string }>(
      `/v1/admin/accounts/${runtime.accountId}/portal-sessions`,
      body,
    );
    expect(minted.status).toBe(201);
    const { page, errors } = await newPortalPage(browser);
    await page.goto(minted.body.url);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    pages.push({ page, errors });
    return page;
  };
  const pages: { page: Page; errors: string[] }[] = [];

  /** What a screen must pass on every visit: axe, and a screenshot to look at. */
  const checkScreen = async (page: Page, name: string) => {
    await expectAccessible(page, name);
    await saveScreenshot(page, name);
  };

  const aWebhook = async (overrides: Record<string, unknown> = {}): Promise<WebhookResource> => {
    const created = await runtime.tenant.post<WebhookResource>(
      '/v1/webhooks',
      aWebhookBody({ url: `${receiver.url}/hooks`, events: ['order.created'], ...overrides }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const publish = async (data: Record<string, unknown>, type = 'order.created'): Promise<string> => {
    const published = await runtime.tenant.post<{ id: string }>('/v1/events', { type, data });
    expect(published.status).toBe(202);
    return published.body.id;
  };
  const webhookPage = async (page: Page, webhook: { id: string; name: string }) => {
    await page.goto(`${runtime.url}/portal/#/webhooks/${webhook.id}`);
    await page.getByRole('heading', { name: webhook.name, level: 1 }).waitFor();
  };
  const recentDeliveries = (page: Page) => page.getByRole('table', { name: 'Recent Deliveries' });

  beforeAll(async () => {
    [runtime, browser, receiver] = await Promise.all([startTestRuntime(), launchBrowser(), Receiver.start()]);
  });

  afterAll(async () => {
    // No screen threw or logged an error along the way.
    expect(pages.flatMap(({ errors }) => errors)).toEqual([]);
    await browser?.close();
    await Promise.all([runtime?.dispose(), receiver?.stop()]);
  });

  it('adds a webhook with custom headers and a 3-retry policy, and shows its secret once', async () => {
    // Prepare
    const page = await openPortal();
    await checkScreen(page, 'webhook-list-empty');
    await page.getByRole('button', { name: 'Add Webhook' }).click();
    await page.getByRole('heading', { name: 'Add Webhook', level: 1 }).waitFor();
    // Act
    await page.getByLabel('Name', { exact: true }).fill('Orders to CRM');
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/crm`);
    await page.getByRole('checkbox', { name: 'order.created' }).check();
    await page.getByRole('button', { name: 'Add Header' }).click();
    await page.getByLabel('Header 1').fill('Webhook-Id');
    await expect.poll(() => page.getByText('is reserved').count()).toBeGreaterThan(0);
    await page.getByLabel('Header 1').fill('X-Tenant');
    await page.getByLabel('Value 1').fill('acme');
    await page.getByLabel('Number of retries').fill('3');
    await expect.poll(() => page.getByTestId('retry-intervals').textContent()).toContain('3rd retry');
    await checkScreen(page, 'webhook-form');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Assess
    await page.getByRole('heading', { name: 'Webhook created', level: 1 }).waitFor();
    const secret = (await page.getByTestId('signing-secret-value').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(await page.getByText('Copy it now; it will not be shown again.').count()).toBe(1);
    await checkScreen(page, 'signing-secret-reveal');
    const [stored] = (await runtime.tenant.get<{ data: WebhookResource[] }>('/v1/webhooks')).body.data.filter(
      (webhook) => webhook.name === 'Orders to CRM',
    );
    expect(stored?.headers).toEqual({ 'X-Tenant': 'acme' });
    expect(stored?.retry_policy.max_retries).toBe(3);
    expect(stored?.events).toEqual(['order.created']);
    // The secret shown is the one deliveries are signed with.
    await publish({ order_id: 'ord_portal' });
    const delivered = await eventually(
      async () => receiver.requests.find((request) => request.path === '/crm'),
      15_000,
    );
    expect(new StandardWebhook(secret).verify(delivered.body, headersOf(delivered.headers))).toMatchObject({
      type: 'order.created',
    });
    expect(delivered.headers['x-tenant']).toBe('acme');
    // Afterwards only its prefix.
    await page.getByRole('link', { name: 'Go to the webhook' }).click();
    await page.getByRole('heading', { name: 'Orders to CRM', level: 1 }).waitFor();
    expect(await page.getByTestId('signing-secret-value').count()).toBe(0);
    expect(await page.getByTestId('signing-secret-prefix').textContent()).toContain(secret.slice(0, 10));
  });

  it("puts the API's validation error next to the field it concerns, and creates nothing", async () => {
    // Prepare
    const page = await openPortal();
    await page.getByRole('button', { name: 'Add Webhook' }).click();
    const before = (await runtime.tenant.get<{ data: unknown[] }>('/v1/webhooks')).body.data.length;
    // Act: a URL the browser takes but the API's URL policy refuses
    await page.getByLabel('Name', { exact: true }).fill('Has credentials');
    await page.getByLabel('Endpoint URL').fill(`https://user:secret@${new URL(receiver.url).host}/x`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Assess
    const url = page.getByLabel('Endpoint URL');
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await url.getAttribute('aria-describedby')) ?? '';
    const messages = await Promise.all(
      describedBy.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    expect(messages.join(' ')).toContain('username or password');
    expect((await runtime.tenant.get<{ data: unknown[] }>('/v1/webhooks')).body.data).toHaveLength(before);
    await checkScreen(page, 'webhook-form-api-error');
  });

  it('edits a webhook: name, description and a fire-once retry policy', async () => {
    // Prepare
    const webhook = await aWebhook({ name: 'Before edit', retry_policy: { max_retries: 3 } });
    const page = await openPortal();
    await webhookPage(page, webhook);
    // Act
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Webhook', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Before edit');
    await page.getByLabel('Name', { exact: true }).fill('After edit');
    await page.getByLabel('Description').fill('Orders, résumé ✓ 🚀');
    await page.getByRole('radio', { name: "Don't retry (fire once)" }).check();
    await checkScreen(page, 'webhook-form-edit');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Assess
    await page.getByRole('heading', { name: 'After edit', level: 1 }).waitFor();
    const stored = (await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`)).body;
    expect(stored.name).toBe('After edit');
    expect(stored.description).toBe('Orders, résumé ✓ 🚀');
    expect(stored.retry_policy.max_retries).toBe(0);
    expect(stored.url).toBe(webhook.url);
  });

  it('regenerates the signing secret with a grace period and shows the new one once', async () => {
    // Prepare
    receiver.respondWith([{ status: 200 }]);
    const webhook = await aWebhook({
      name: 'Rotated',
      url: `${receiver.url}/rotated`,
      events: ['recipient.signed'],
    });
    const page = await openPortal();
    await webhookPage(page, webhook);
    // Act
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByLabel('Keep the old secret valid for (hours)').fill('2');
    await page.getByRole('button', { name: 'Generate new secret' }).click();
    // Assess
    const secret = (await page.getByTestId('signing-secret-value').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe((webhook as WebhookResource & { secret: string }).secret);
    await checkScreen(page, 'signing-secret-regenerated');
    await publish({ envelope_id: 'env_rotated' }, 'recipient.signed');
    const delivered = await eventually(
      async () => receiver.requests.find((request) => request.path === '/rotated'),
      15_000,
    );
    expect(new StandardWebhook(secret).verify(delivered.body, headersOf(delivered.headers))).toMatchObject({
      type: 'recipient.signed',
    });
    const oldSecret = (webhook as WebhookResource & { secret: string }).secret;
    expect(new StandardWebhook(oldSecret).verify(delivered.body, headersOf(delivered.headers))).toBeDefined();
    // Leaving the page forgets it: back on the page, only the prefix.
    await page.goto(`${runtime.url}/portal/#/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await webhookPage(page, webhook);
    expect(await page.getByTestId('signing-secret-value').count()).toBe(0);
  });

  it('sends a test and shows the status code, response time and body', async () => {
    // Prepare
    receiver.respondWith([{ status: 200, body: '{"received":"yes"}' }]);
    const webhook = await aWebhook({ name: 'Test target' });
    const page = await openPortal();
    await webhookPage(page, webhook);
    // Act
    await page.getByLabel('Event to test').selectOption('order.created');
    await page.getByRole('button', { name: 'Send Test' }).click();
    // Assess
    const result = page.getByRole('status').filter({ hasText: 'Result' });
    await result.getByText('✓ Success').waitFor();
    expect(await result.textContent()).toContain('Status: 200');
    expect(await result.textContent()).toMatch(/Response time: \d+\s?ms/);
    expect(await result.textContent()).toContain('"received": "yes"');
    await checkScreen(page, 'webhook-page-test-sent');
  });

  it('shows published events in Recent Deliveries, and a delivery with its attempts and payload', async () => {
    // Prepare
    receiver.respondWith([{ status: 200, body: '{"ok":true}' }]);
    const webhook = await aWebhook({ name: 'Activity target', events: ['order.created', 'document.sent'] });
    const page = await openPortal();
    await publish({ order_id: 'ord_1' });
    await publish({ document_id: 'doc_1' }, 'document.sent');
    await eventually(async () => {
      const listed = await runtime.tenant.get<{ data: { status: string }[] }>(
        `/v1/webhooks/${webhook.id}/deliveries`,
      );
      return listed.body.data.filter((delivery) => delivery.status === 'succeeded').length === 2 || undefined;
    }, 15_000);
    // Act
    await webhookPage(page, webhook);
    // Assess
    await expect.poll(() => recentDeliveries(page).getByRole('row').count()).toBe(3);
    expect(await recentDeliveries(page).textContent()).toContain('order.created');
    expect(await recentDeliveries(page).textContent()).toContain('document.sent');
    expect(await page.getByRole('img', { name: /deliver/i }).count()).toBeGreaterThan(0);
    await checkScreen(page, 'webhook-page-activity');
    await recentDeliveries(page).getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Delivery', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Attempts' }).textContent()).toContain('200');
    expect(await page.locator('main').textContent()).toMatch(/ord_1|doc_1/);
    await checkScreen(page, 'delivery-page');
  });

  it('shows "Retry n/m" while a delivery is retrying, then Retry and Retry All Failed', async () => {
    // Prepare: one endpoint retrying (3 retries, a minute apart), one that fails for good at once.
    const failing = await Receiver.start([{ status: 500, body: 'down' }]);
    try {
      const retrying = await aWebhook({
        name: 'Retrying target',
        url: `${failing.url}/r`,
        retry_policy: { max_retries: 3 },
      });
      const fireOnce = await aWebhook({
        name: 'Fire once target',
        url: `${failing.url}/f`,
        retry_policy: { max_retries: 0 },
      });
      await publish({ order_id: 'ord_fail_1' });
      await publish({ order_id: 'ord_fail_2' });
      await eventually(async () => {
        const listed = await runtime.tenant.get<{ data: unknown[] }>(
          `/v1/webhooks/${fireOnce.id}/deliveries?status=failed`,
        );
        return listed.body.data.length === 2 || undefined;
      }, 15_000);
      const page = await openPortal();
      // Act + Assess: the retrying one
      await webhookPage(page, retrying);
      await expect.poll(() => recentDeliveries(page).textContent()).toContain('Retry 1/3');
      await checkScreen(page, 'webhook-page-retrying');
      // Act: Retry one failed delivery from its page, with the receiver back up
      failing.respondWith([{ status: 200, body: 'back' }]);
      await webhookPage(page, fireOnce);
      await page.getByLabel('Show').selectOption({ label: 'Failed' });
      await expect.poll(() => recentDeliveries(page).getByRole('row').count()).toBe(3);
      await checkScreen(page, 'webhook-page-failed-filter');
      await recentDeliveries(page).getByRole('link').first().click();
      await page.getByRole('heading', { name: 'Delivery', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Retry', exact: true }).click();
      await page.getByText('Retry queued').waitFor();
      // Assess
      await expect
        .poll(() => page.getByRole('table', { name: 'Attempts' }).textContent(), { timeout: 15_000 })
        .toContain('200');
      // Act: Retry All Failed for the other
      await webhookPage(page, fireOnce);
      await page.getByRole('button', { name: 'Retry All Failed' }).click();
      // Assess
      await page.getByText(/Queued 1 failed deliver/).waitFor();
      await eventually(async () => {
        const listed = await runtime.tenant.get<{ data: { status: string }[] }>(
          `/v1/webhooks/${fireOnce.id}/deliveries`,
        );
        return listed.body.data.every((delivery) => delivery.status === 'succeeded') || undefined;
      }, 15_000);
    } finally {
      await failing.stop();
    }
  });

  it('pauses a webhook (nothing is delivered meanwhile) and resumes it', async () => {
    // Prepare
    receiver.respondWith([{ status: 200 }]);
    const webhook = await aWebhook({
      name: 'Pause target',
      url: `${receiver.url}/pause`,
      events: ['document.completed'],
    });
    const page = await openPortal();
    await webhookPage(page, webhook);
    // Act
    await page.getByRole('button', { name: 'Pause Webhook' }).click();
    await page.getByRole('button', { name: 'Resume Webhook' }).waitFor();
    await checkScreen(page, 'webhook-page-paused');
    await publish({ document_id: 'doc_while_paused' }, 'document.completed');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Assess
    expect(receiver.requests.filter((request) => request.path === '/pause')).toEqual([]);
    expect(await page.getByText('Events during pause are lost').count()).toBeGreaterThan(0);
    // Act
    await page.getByRole('button', { name: 'Resume Webhook' }).click();
    await page.getByRole('button', { name: 'Pause Webhook' }).waitFor();
    await publish({ document_id: 'doc_after_resume' }, 'document.completed');
    // Assess
    const delivered = await eventually(
      async () => receiver.requests.find((request) => request.path === '/pause'),
      15_000,
    );
    expect(delivered.body).toContain('doc_after_resume');
    expect(receiver.requests.filter((request) => request.path === '/pause')).toHaveLength(1);
  });

  it('deletes a webhook after the confirmation, and it is gone from the list', async () => {
    // Prepare
    const webhook = await aWebhook({ name: 'Doomed target' });
    const page = await openPortal();
    await webhookPage(page, webhook);
    // Act
    await page.getByRole('button', { name: 'Delete Webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Webhook' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('This cannot be undone.');
    await checkScreen(page, 'delete-confirmation');
    await dialog.getByRole('button', { name: 'Delete Webhook' }).click();
    // Assess
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add Webhook' }).waitFor();
    expect(await page.getByRole('link', { name: 'Doomed target' }).count()).toBe(0);
    expect((await runtime.tenant.get(`/v1/webhooks/${webhook.id}`)).status).toBe(404);
    await checkScreen(page, 'webhook-list');
  });

  it('shows usage and the event catalog', async () => {
    // Prepare
    const page = await openPortal();
    // Act
    await page.getByRole('link', { name: 'Usage' }).click();
    // Assess
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('usage-webhooks').textContent()).toMatch(/\d+ of \d+|unlimited/);
    await checkScreen(page, 'usage');
    await page.getByRole('link', { name: 'Event Catalog' }).click();
    await page.getByRole('heading', { name: 'Event Catalog', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'order.created' }).waitFor();
    await checkScreen(page, 'event-catalog');
  });

  it('gives a read-only session no write controls, and the API refuses its writes', async () => {
    // Prepare
    const webhook = await aWebhook({ name: 'Read-only view' });
    const page = await openPortal({ read_only: true });
    // Act
    await webhookPage(page, webhook);
    await page.getByRole('heading', { name: 'Recent Deliveries' }).waitFor();
    // Assess
    for (const name of ['Send Test', 'Retry All Failed', 'Pause Webhook', 'Delete Webhook', 'Regenerate'])
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    await checkScreen(page, 'webhook-page-read-only');
    await page.goto(`${runtime.url}/portal/#/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    expect(await page.getByRole('button', { name: 'Add Webhook' }).count()).toBe(0);
    const key = await page.evaluate<string>(
      "JSON.parse(sessionStorage.getItem('webhooks-portal-session')).key",
    );
    const write = await runtime.tenant.withToken(key).delete(`/v1/webhooks/${webhook.id}`);
    expect(write.status).toBe(403);
    expect((await runtime.tenant.get(`/v1/webhooks/${webhook.id}`)).status).toBe(200);
  });
});

function headersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}
