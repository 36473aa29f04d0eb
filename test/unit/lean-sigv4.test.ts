import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { amzDate, signRequest } from '../../lambdas/aws/lean/sigv4.js';

/**
 * The hand-written SigV4 signer (lambdas/aws/lean/sigv4.ts) against the SDK's own signer: the same
 * request, credentials and date must give the same Authorization header.
 */

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The SDK's hash interface over node:crypto (what @smithy/hash-node does). */
class Sha256 {
  private readonly hash = createHash('sha256');
  private readonly hmac?: ReturnType<typeof createHmac>;
  constructor(secret?: Data) {
    if (secret) this.hmac = createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    (this.hmac ?? this.hash).update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array((this.hmac ?? this.hash).digest());
  }
  reset(): void {}
}

async function sdkSigned(
  headers: Record<string, string>,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  date: Date,
  region: string,
  service: string,
) {
  // applyChecksum off: the lean client sends no x-amz-content-sha256 (JSON protocols do not need it).
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const request = {
    method: 'POST',
    protocol: 'https:',
    hostname: headers.host!,
    path: '/',
    query: {},
    headers: { ...headers },
    body,
  };
  const signed = await signer.sign(request, { signingDate: date });
  return signed.headers as Record<string, string>;
}

const DATE = new Date('2026-12-01T23:24:51.123Z');

describe('lean SigV4', () => {
  it('formats X-Amz-Date in ISO 8601 basic format', () => {
    expect(amzDate(DATE)).toBe('20261201T232451Z');
  });

  it.each([
    ['long-term credentials', undefined],
    ['temporary credentials with a session token', 'IQoJb3JpZ2luX2VjEHcaCXVzLWVhc3QtMSJ/token+/='],
  ])('signs a DynamoDB call exactly as @smithy/signature-v4 does (%s)', async (_, sessionToken) => {
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      ...(sessionToken ? { sessionToken } : {}),
    };
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      host: 'dynamodb.eu-west-1.amazonaws.com',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    };
    const body = JSON.stringify({ TableName: 'deliveries', Key: { pk: { S: 'DELIVERY#dlv_1 é' } } });

    const lean = signRequest(
      { method: 'POST', path: '/', headers, body },
      { region: 'eu-west-1', service: 'dynamodb', credentials, date: DATE },
    );
    const sdk = await sdkSigned(headers, body, credentials, DATE, 'eu-west-1', 'dynamodb');

    expect(lean.authorization).toBe(sdk.authorization);
    expect(lean['x-amz-date']).toBe(sdk['x-amz-date']);
    expect(lean['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
  });

  it('signs a local endpoint with a port and another service and day (the cached key is per day)', async () => {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      host: '127.0.0.1:4566',
      'x-amz-target': 'AmazonSQS.SendMessageBatch',
    };
    const body = '{"QueueUrl":"http://127.0.0.1:4566/000000000000/q","Entries":[]}';
    for (const date of [DATE, new Date('2026-12-02T00:00:01Z')]) {
      const lean = signRequest(
        { method: 'POST', path: '/', headers, body },
        { region: 'us-east-1', service: 'sqs', credentials, date },
      );
      const sdk = await sdkSigned(headers, body, credentials, date, 'us-east-1', 'sqs');
      expect(lean.authorization).toBe(sdk.authorization);
    }
  });
});
