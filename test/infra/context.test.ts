import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppContext, ContextError, parseAppContext } from '../../lib/context.js';
import { REPO_ROOT } from '../../lib/webhook-function.js';

/** The CDK context options of bin/app.ts: parsed before any construct is built, one-line errors. */

const parse = (context: Record<string, unknown>): AppContext => parseAppContext((name) => context[name]);
const errorOf = (context: Record<string, unknown>): string => {
  try {
    parse(context);
  } catch (error) {
    if (error instanceof ContextError) return error.message;
    throw error;
  }
  throw new Error('expected a ContextError');
};

describe('parseAppContext', () => {
  it('reads nothing when no option is given', () => {
    // Prepare
    const context = {};
    // Act
    const parsed = parse(context);
    // Assess
    expect(parsed).toEqual({});
  });

  describe('escalationWaitHours', () => {
    it.each([
      ['24', 24],
      ['1', 1],
      ['8736', 8736],
      [48, 48],
    ])('accepts %j as %d hours', (value, hours) => {
      // Prepare / Act
      const parsed = parse({ escalationWaitHours: value });
      // Assess
      expect(parsed.escalationWaitHours).toBe(hours);
    });

    it.each([
      ['non-numeric', 'abc', "'abc'"],
      ['fractional', '0.5', "'0.5'"],
      ['zero', '0', "'0'"],
      ['out of range', '8737', "'8737'"],
      ['negative', '-1', "'-1'"],
      ['empty', '', "''"],
      ['a fractional number from cdk.json', 1.5, '1.5'],
    ])('rejects a %s value in one line naming the option and its range', (_case, value, shown) => {
      // Prepare / Act
      const message = errorOf({ escalationWaitHours: value });
      // Assess
      expect(message).toBe(
        `escalationWaitHours must be a whole number of hours from 1 to 8736 (364 days), got ${shown}`,
      );
    });
  });

  describe.each(['deliveryConcurrency', 'fanoutConcurrency'])('%s', (option) => {
    it.each([
      ['2', 2],
      ['1000', 1000],
      [100, 100],
    ])('accepts %j', (value, parsed) => {
      // Prepare / Act
      const settings = parse({ [option]: value });
      // Assess
      expect(settings[option as keyof AppContext]).toBe(parsed);
    });

    it.each([
      ['non-numeric', 'lots', "'lots'"],
      ['fractional', '2.5', "'2.5'"],
      ['below the range', '1', "'1'"],
      ['above the range', '1001', "'1001'"],
      ['empty', '', "''"],
    ])('rejects a %s value', (_case, value, shown) => {
      // Prepare / Act
      const message = errorOf({ [option]: value });
      // Assess
      expect(message).toBe(
        `${option} must be a whole number from 2 to 1000 (the SQS event source's maximum concurrency), got ${shown}`,
      );
    });
  });

  describe.each(['opsAlertEmail', 'alertSenderEmail'])('%s', (option) => {
    it('accepts an address', () => {
      // Prepare / Act
      const settings = parse({ [option]: 'ops@example.com' });
      // Assess
      expect(settings[option as keyof AppContext]).toBe('ops@example.com');
    });

    it.each([
      ['not an address', 'ops.example.com', "'ops.example.com'"],
      ['empty', '', "''"],
      ['a number', 42, '42'],
    ])('rejects a value that is %s', (_case, value, shown) => {
      // Prepare / Act
      const message = errorOf({ [option]: value });
      // Assess
      expect(message).toBe(`${option} must be an email address (name@example.com), got ${shown}`);
    });
  });

  describe('apiGatewayCloudWatchRole', () => {
    it.each([
      ['true', true],
      ['false', false],
      [true, true],
    ])('accepts %j', (value, parsed) => {
      // Prepare / Act
      const settings = parse({ apiGatewayCloudWatchRole: value });
      // Assess
      expect(settings.apiGatewayCloudWatchRole).toBe(parsed);
    });

    it.each([
      ['yes', "'yes'"],
      ['', "''"],
      [1, '1'],
    ])('rejects %j', (value, shown) => {
      // Prepare / Act
      const message = errorOf({ apiGatewayCloudWatchRole: value });
      // Assess
      expect(message).toBe(`apiGatewayCloudWatchRole must be true or false, got ${shown}`);
    });
  });
});

describe('bin/app.ts with an invalid context value', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'webhooks-context-'));
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  /** The app as `cdk synth -c name=value` runs it: context in CDK_CONTEXT_JSON. */
  const runApp = (context: Record<string, string>) =>
    spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'bin', 'app.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it.each([
    ['abc', "'abc'"],
    ['0.5', "'0.5'"],
  ])('exits 1 on escalationWaitHours=%s with one line and no stack trace', (value, shown) => {
    // Prepare
    const context = { escalationWaitHours: value };
    // Act
    const result = runApp(context);
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `escalationWaitHours must be a whole number of hours from 1 to 8736 (364 days), got ${shown}`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
