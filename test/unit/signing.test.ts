import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  buildDeliveryRequest,
  type DeliveryRequestInput,
  generateSigningSecret,
  isReservedHeaderName,
  secretPrefix,
  signSha256Hex,
  signStandardWebhooks,
  validateCustomHeaders,
} from '../../lambdas/domain/signing.js';

const TEST_VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampSeconds: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const deliveryInput = (overrides: Partial<DeliveryRequestInput> = {}): DeliveryRequestInput => ({
  messageId: 'msg_2mXkQz',
  eventType: 'invoice.paid',
  timestampSeconds: nowSeconds(),
  payload: {
    id: 'evt_1',
    type: 'invoice.paid',
    timestamp: '2024-05-01T10:00:00.000Z',
    data: { amount: 4200 },
  },
  secrets: [generateSigningSecret()],
  attempt: 1,
  customHeaders: {},
  userAgent: 'serverless-webhooks/0.1',
  ...overrides,
});

/** The receiver-side check from the product docs, done with Web Crypto rather than node:crypto. */
const receiverSha256Signature = async (secret: string, timestamp: string, body: string): Promise<string> => {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`));
  return `sha256=${Buffer.from(mac).toString('hex')}`;
};

describe('secrets', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    // Prepare
    const count = 5;
    // Act
    const secrets = Array.from({ length: count }, generateSigningSecret);
    // Assess
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(count);
  });

  it('shows the first 12 characters as the prefix', () => {
    // Prepare
    const secret = TEST_VECTOR.secret;
    // Act
    const prefix = secretPrefix(secret);
    // Assess
    expect(prefix).toBe('whsec_MfKQ9r');
  });
});

describe('signStandardWebhooks', () => {
  it('matches the Standard Webhooks test vector', () => {
    // Prepare
    const { secret, messageId, timestampSeconds, body } = TEST_VECTOR;
    // Act
    const signature = signStandardWebhooks(secret, messageId, timestampSeconds, body);
    // Assess
    expect(signature).toBe(TEST_VECTOR.signature);
  });

  it('changes when the body changes', () => {
    // Prepare
    const { secret, messageId, timestampSeconds } = TEST_VECTOR;
    // Act
    const signature = signStandardWebhooks(secret, messageId, timestampSeconds, '{"test": 2432232315}');
    // Assess
    expect(signature).not.toBe(TEST_VECTOR.signature);
  });
});

describe('signSha256Hex', () => {
  it('is the HMAC of "<timestamp>.<body>" keyed by the whole secret string', async () => {
    // Prepare
    const { secret, timestampSeconds, body } = TEST_VECTOR;
    const expected = await receiverSha256Signature(secret, String(timestampSeconds), body);
    // Act
    const signature = signSha256Hex(secret, timestampSeconds, body);
    // Assess
    expect(signature).toBe(expected);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});

describe('buildDeliveryRequest', () => {
  it('builds a body with keys in contract order', () => {
    // Prepare
    const input = deliveryInput({
      payload: { data: { b: 1 }, timestamp: '2024-05-01T10:00:00.000Z', type: 't.x', id: 'evt_9' },
    });
    // Act
    const { body } = buildDeliveryRequest(input);
    // Assess
    expect(body).toBe('{"id":"evt_9","type":"t.x","timestamp":"2024-05-01T10:00:00.000Z","data":{"b":1}}');
  });

  it('sets every contract header', () => {
    // Prepare
    const input = deliveryInput({ attempt: 3 });
    // Act
    const { headers } = buildDeliveryRequest(input);
    // Assess
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'serverless-webhooks/0.1',
      'webhook-id': 'msg_2mXkQz',
      'webhook-timestamp': String(input.timestampSeconds),
      'x-webhook-timestamp': String(input.timestampSeconds),
      'x-webhook-event': 'invoice.paid',
      'x-webhook-attempt': '3',
    });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('verifies with the official standardwebhooks library', () => {
    // Prepare
    const secret = generateSigningSecret();
    const input = deliveryInput({ secrets: [secret] });
    // Act
    const { body, headers } = buildDeliveryRequest(input);
    const verified = new Webhook(secret).verify(body, headers);
    // Assess
    expect(verified).toEqual(JSON.parse(body));
  });

  it('signs with every secret during rotation, so both the new and the previous secret verify', () => {
    // Prepare
    const newSecret = generateSigningSecret();
    const previousSecret = generateSigningSecret();
    const input = deliveryInput({ secrets: [newSecret, previousSecret] });
    // Act
    const { body, headers } = buildDeliveryRequest(input);
    // Assess
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(headers['x-webhook-signature']?.split(',')).toHaveLength(2);
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previousSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow(/No matching signature/);
  });

  it('sends the sha256 signature a receiver computes from the docs snippet', async () => {
    // Prepare
    const newSecret = generateSigningSecret();
    const previousSecret = generateSigningSecret();
    const input = deliveryInput({ secrets: [newSecret, previousSecret] });
    // Act
    const { body, headers } = buildDeliveryRequest(input);
    // Assess
    const timestamp = headers['x-webhook-timestamp'] ?? '';
    const expected = [
      await receiverSha256Signature(newSecret, timestamp, body),
      await receiverSha256Signature(previousSecret, timestamp, body),
    ].join(',');
    expect(headers['x-webhook-signature']).toBe(expected);
  });

  it('never lets custom headers override reserved ones, whatever their case', () => {
    // Prepare
    const input = deliveryInput({
      customHeaders: {
        'Webhook-Signature': 'v1,forged',
        'X-WEBHOOK-EVENT': 'forged.event',
        'Content-Type': 'text/plain',
        Host: 'internal.example',
        'Transfer-Encoding': 'chunked',
        'X-Tenant': 'acme',
      },
    });
    // Act
    const { headers } = buildDeliveryRequest(input);
    // Assess
    expect(headers['webhook-signature']).not.toContain('forged');
    expect(headers['x-webhook-event']).toBe('invoice.paid');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.host).toBeUndefined();
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(headers['x-tenant']).toBe('acme');
    const lowerCaseNames = Object.keys(headers).map((name) => name.toLowerCase());
    expect(new Set(lowerCaseNames).size).toBe(lowerCaseNames.length);
  });

  it('drops a custom header carrying a line break', () => {
    // Prepare
    const input = deliveryInput({ customHeaders: { 'X-Split': 'a\r\nX-Injected: 1' } });
    // Act
    const { headers } = buildDeliveryRequest(input);
    // Assess
    expect(headers['x-split']).toBeUndefined();
    expect(Object.values(headers).join('\n')).not.toContain('X-Injected');
  });

  it('refuses to build an unsigned request', () => {
    // Prepare
    const input = deliveryInput({ secrets: [] });
    // Act
    const build = () => buildDeliveryRequest(input);
    // Assess
    expect(build).toThrow(/signing secret/);
  });
});

describe('isReservedHeaderName', () => {
  it.each([
    ['webhook-id', true],
    ['Webhook-Anything', true],
    ['X-Webhook-Signature', true],
    ['x-webhook-custom', true],
    ['Content-Type', true],
    ['content-length', true],
    ['HOST', true],
    ['User-Agent', true],
    ['Connection', true],
    ['Transfer-Encoding', true],
    ['TE', true],
    ['Upgrade', true],
    ['Keep-Alive', true],
    ['Proxy-Authorization', true],
    ['Trailer', true],
    ['Authorization', false],
    ['X-Api-Key', false],
    ['X-Webhooks-Tenant', false],
  ])('%s reserved: %s', (name, expected) => {
    // Prepare: the table row.
    // Act
    const reserved = isReservedHeaderName(name);
    // Assess
    expect(reserved).toBe(expected);
  });
});

describe('validateCustomHeaders', () => {
  it('accepts any other character in a value, beyond Latin-1 too: it is sent as UTF-8 bytes', () => {
    // Prepare
    const headers = { 'X-Note': 'caf\u00e9 \u2603 🎉 \u{10FFFF} \uFFFF\ttab' };
    // Act
    const error = validateCustomHeaders(headers);
    // Assess
    expect(error).toBeUndefined();
  });

  it('accepts ordinary headers', () => {
    // Prepare
    const headers = { Authorization: 'Bearer abc', 'X-Tenant': 'acme', 'X-Empty': '' };
    // Act
    const error = validateCustomHeaders(headers);
    // Assess
    expect(error).toBeUndefined();
  });

  it.each<readonly [string, Record<string, string>, string]>([
    ['a reserved name', { 'X-Webhook-Signature': 'x' }, 'reserved'],
    ['a reserved name in another case', { 'CONTENT-LENGTH': '0' }, 'reserved'],
    ['a name with a space', { 'X Tenant': 'x' }, 'not a valid HTTP header name'],
    ['a name with a colon', { 'X-Tenant:': 'x' }, 'not a valid HTTP header name'],
    ['an empty name', { '': 'x' }, 'not a valid HTTP header name'],
    ['a name with a line feed', { 'X-A\nB': 'x' }, 'CR, LF or NUL'],
    ['a value with CR LF', { 'X-Tenant': 'a\r\nSet-Cookie: x' }, 'CR, LF or NUL'],
    ['a value with a lone LF', { 'X-Tenant': 'a\nb' }, 'CR, LF or NUL'],
    ['a value with NUL', { 'X-Tenant': 'a\0b' }, 'CR, LF or NUL'],
    ['a value with another control character', { 'X-Tenant': 'a\u0007b' }, 'control characters'],
    ['a value with DEL', { 'X-Tenant': 'a\u007fb' }, 'control characters'],
    ['a value with a lone surrogate', { 'X-Tenant': 'a\ud800b' }, 'lone surrogate'],
    ['a value over 1024 characters', { 'X-Tenant': 'a'.repeat(1025) }, 'at most 1024'],
    ['the same name twice', { 'X-Tenant': 'a', 'x-tenant': 'b' }, 'more than once'],
  ])('refuses %s', (_label, headers, messageFragment) => {
    // Prepare: the table row.
    // Act
    const error = validateCustomHeaders(headers);
    // Assess
    expect(error).toContain(messageFragment);
  });

  it('accepts a value of exactly 1024 characters', () => {
    // Prepare
    const headers = { 'X-Tenant': 'a'.repeat(1024) };
    // Act
    const error = validateCustomHeaders(headers);
    // Assess
    expect(error).toBeUndefined();
  });

  it('allows 20 headers and refuses 21', () => {
    // Prepare
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`X-H${index}`, 'v']));
    const twentyOne = { ...twenty, 'X-H20': 'v' };
    // Act
    const twentyError = validateCustomHeaders(twenty);
    const twentyOneError = validateCustomHeaders(twentyOne);
    // Assess
    expect(twentyError).toBeUndefined();
    expect(twentyOneError).toContain('at most 20');
  });
});
