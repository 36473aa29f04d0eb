import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for the JSON protocols' POSTs (path `/`, no query string), by hand with
 * node:crypto: the SDK's signer costs its middleware and a bundle share for what is four HMACs and
 * two hashes. test/unit/lean-sigv4.test.ts holds it equal to @smithy/signature-v4.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignableRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case names; every header given is signed (host included). */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface SigningScope {
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

// The signing key changes once a day per secret, region and service: derive it once (3 HMACs saved).
const signingKeys = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 50;

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${day}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** `20261201T232451Z`: ISO 8601 basic format, as X-Amz-Date wants it. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The headers to add to the request: x-amz-date, x-amz-security-token (temporary credentials, as
 * Lambda's are) and authorization. The request's own headers are signed as given.
 */
export function signRequest(request: SignableRequest, scope: SigningScope): Record<string, string> {
  const stamp = amzDate(scope.date);
  const day = stamp.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': stamp };
  if (scope.credentials.sessionToken) added['x-amz-security-token'] = scope.credentials.sessionToken;
  const headers: Record<string, string> = { ...request.headers, ...added };
  const names = Object.keys(headers).sort();
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}\n`;
  const signedHeaders = names.join(';');
  const canonicalRequest = `${request.method}\n${request.path}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(request.body)}`;
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${stamp}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac(
    'sha256',
    signingKey(scope.credentials.secretAccessKey, day, scope.region, scope.service),
  )
    .update(stringToSign)
    .digest('hex');
  added.authorization = `${ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}
