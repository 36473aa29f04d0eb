import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchBrowser, newPortalPage, saveScreenshot } from '../support/browser.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * Opening the portal in Chromium (docs/portal.md): a minted link opens a session for its account,
 * its token leaves the address bar, and a used, expired or forged link shows one clear page with no
 * account's data. Time is the runtime's clock, moved by the tests.
 */
describe('portal access in the browser', { timeout: 60_000 }, () => {
  let runtime: TestRuntime;
  let browser: Browser;
  let offsetMs = 0;

  const mint = async (body: Record<string, unknown> = {}): Promise<string> => {
    const minted = await runtime.admin.post<{ url: string }>(
      `/v1/admin/accounts/${runtime.accountId}/portal-sessions`,
      body,
    );
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    return minted.body.url;
  };

  beforeAll(async () => {
    [runtime, browser] = await Promise.all([
      startTestRuntime({ clock: { now: () => new Date(Date.now() + offsetMs) } }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.dispose();
  });

  it('opens a minted link on the webhook list and takes the token out of the address bar', async () => {
    // Prepare
    const link = await mint();
    const { context, page, errors } = await newPortalPage(browser);
    // Act
    await page.goto(link);
    // Assess
    await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toBe('Webhooks');
    expect(page.url()).toBe(`${runtime.url}/portal/#/webhooks`);
    expect(page.url()).not.toContain('token');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('takes the product name and primary colour from the session, and shows the name as text', async () => {
    // Prepare
    const link = await mint({ product_name: 'Acme <b>Hooks</b> 🚀', primary_color: '#0A7CFF' });
    const { context, page } = await newPortalPage(browser);
    // Act
    await page.goto(link);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    // Assess
    expect(await page.locator('header .product').textContent()).toBe('Acme <b>Hooks</b> 🚀');
    expect(await page.locator('header .product b').count()).toBe(0);
    expect(
      await page.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--primary')"),
    ).toBe('#0a7cff');
    expect(await page.title()).toBe('Acme <b>Hooks</b> 🚀 · Webhooks');
    await context.close();
  });

  it('keeps the session across a reload of the tab', async () => {
    // Prepare
    const { context, page } = await newPortalPage(browser);
    await page.goto(await mint());
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    // Act
    await page.reload();
    // Assess
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    expect(await page.getByRole('heading', { name: 'Link not valid' }).count()).toBe(0);
    await context.close();
  });

  it('shows "Link not valid" for a link opened a second time, in another browser', async () => {
    // Prepare
    const link = await mint();
    const first = await newPortalPage(browser);
    await first.page.goto(link);
    await first.page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const second = await newPortalPage(browser);
    // Act
    await second.page.goto(link);
    // Assess
    await second.page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    expect(await second.page.getByText('This link is no longer valid').count()).toBe(1);
    expect(await second.page.getByRole('navigation').count()).toBe(0);
    await expectAccessible(second.page, 'link not valid');
    await saveScreenshot(second.page, 'link-not-valid');
    await Promise.all([first.context.close(), second.context.close()]);
  });

  it('refuses a link past its 15 minutes, and a forged one', async () => {
    // Prepare
    const link = await mint();
    const forged = `${runtime.url}/portal/#token=pl_${'A'.repeat(43)}`;
    offsetMs = 16 * 60 * 1000;
    const expired = await newPortalPage(browser);
    const forgedPage = await newPortalPage(browser);
    try {
      // Act
      await expired.page.goto(link);
      await forgedPage.page.goto(forged);
      // Assess
      await expired.page.getByRole('heading', { name: 'Link not valid' }).waitFor();
      await forgedPage.page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    } finally {
      offsetMs = 0;
      await Promise.all([expired.context.close(), forgedPage.context.close()]);
    }
  });

  it('asks for a link when opened without one', async () => {
    // Prepare
    const { context, page } = await newPortalPage(browser);
    // Act
    await page.goto(`${runtime.url}/portal/#/webhooks/wh_someone_else`);
    // Assess
    await page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    expect(await page.getByText('Open the portal from the link you were given').count()).toBe(1);
    await context.close();
  });

  it("ends the tab's session when the API refuses its key, and forgets it", async () => {
    // Prepare: the list has loaded (no request of the session's first page is still on its way,
    // whose 401 would end the session before the step under test)
    const { context, page } = await newPortalPage(browser);
    await page.goto(await mint({ ttl_seconds: 60 }));
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    offsetMs = 2 * 60 * 1000;
    try {
      // Act: the next screen's request, past the session's end
      await page.getByRole('link', { name: 'Usage' }).click();
      // Assess
      await page.getByRole('heading', { name: 'Session ended' }).waitFor();
      expect(await page.getByRole('navigation').count()).toBe(0);
      await page.reload();
      await page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    } finally {
      offsetMs = 0;
      await context.close();
    }
  });

  it('works inside an iframe on an origin the runtime allows, and refuses to be framed elsewhere', async () => {
    // Prepare: a host page on another origin that frames the portal of each runtime.
    const host = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://x').searchParams.get('src') ?? '';
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        `<!doctype html><title>Host</title><iframe title="Webhooks" src="${target}" width="1000" height="700"></iframe>`,
      );
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    const framable = await startTestRuntime({ portalFrameAncestors: [hostOrigin] });
    const { context, page } = await newPortalPage(browser);
    try {
      const framedLink = await framable.admin.post<{ url: string }>(
        `/v1/admin/accounts/${framable.accountId}/portal-sessions`,
        {},
      );
      // Act
      await page.goto(`${hostOrigin}/?src=${encodeURIComponent(framedLink.body.url)}`);
      // Assess
      const framed = page.frameLocator('iframe');
      await framed.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      // Act: the default runtime (no frame ancestors) in the same host page
      await page.goto(`${hostOrigin}/?src=${encodeURIComponent(await mint())}`);
      await page.waitForTimeout(1500);
      // Assess: Chromium refuses to render it (frame-ancestors 'none')
      expect(await page.frameLocator('iframe').getByRole('heading', { name: 'Webhooks' }).count()).toBe(0);
    } finally {
      await context.close();
      await framable.dispose();
      await new Promise((resolve) => host.close(resolve));
    }
  });

  it('can be used from the keyboard alone: Add Webhook, the form, and the delete dialog', async () => {
    // Prepare
    const { context, page } = await newPortalPage(browser);
    await page.goto(await mint());
    await page.getByRole('button', { name: 'Add Webhook' }).waitFor();
    // Act: tab to Add Webhook and press Enter
    const focusedText = () => page.evaluate<string>('document.activeElement?.textContent ?? ""');
    for (let step = 0; step < 20 && (await focusedText()) !== 'Add Webhook'; step += 1)
      await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Add Webhook');
    await page.keyboard.press('Enter');
    await page.getByLabel('Name', { exact: true }).waitFor();
    // A new screen puts the focus on its heading, so a keyboard user starts at the top.
    await expect.poll(() => page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
    // Act: fill the form by typing and tabbing, then submit with Enter on Save
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed by keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.type(`${runtime.url}/local/receiver/keyboard`);
    for (let step = 0; step < 80 && (await focusedText()) !== 'Save'; step += 1)
      await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Save');
    await page.keyboard.press('Enter');
    // Assess
    await page.getByRole('heading', { name: 'Webhook created', level: 1 }).waitFor();
    const listed = await runtime.tenant.get<{ data: { id: string; name: string }[] }>('/v1/webhooks');
    const created = listed.body.data.find((webhook) => webhook.name === 'Typed by keyboard');
    expect(created).toBeDefined();
    // Act: open the delete dialog from the keyboard and close it with Escape
    await page.goto(`${runtime.url}/portal/#/webhooks/${created?.id}`);
    await page.getByRole('button', { name: 'Delete Webhook' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Delete Webhook' }).waitFor();
    await page.keyboard.press('Escape');
    // Assess
    await page.getByRole('dialog', { name: 'Delete Webhook' }).waitFor({ state: 'hidden' });
    expect((await runtime.tenant.get(`/v1/webhooks/${created?.id}`)).status).toBe(200);
    await context.close();
  });
});
