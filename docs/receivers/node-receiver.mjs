// A webhook receiver in Node that verifies both signature schemes.
//   WEBHOOK_SECRET=whsec_... PORT=4000 node node-receiver.mjs
// Standard Webhooks: the official `standardwebhooks` package (npm install standardwebhooks).
// Simple scheme: X-Webhook-Signature = sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">, keyed
// with the whole secret string.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
const toleranceSeconds = 300;

function verifySimple(rawBody, headers) {
  const timestamp = headers['x-webhook-timestamp'];
  const signatures = String(headers['x-webhook-signature'] ?? '').split(',');
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`,
  );
  // During a secret rotation there is one entry per valid secret: any match is enough.
  return signatures.some((signature) => {
    const given = Buffer.from(signature.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function verifyStandard(rawBody, headers) {
  try {
    new Webhook(secret).verify(rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const valid = verifyStandard(rawBody, request.headers) && verifySimple(rawBody, request.headers);
    response.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ verified: valid }));
    if (valid) console.log(`verified ${request.headers['webhook-id']} ${JSON.parse(rawBody).type}`);
  });
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () =>
  console.log(`listening on ${server.address().port}`),
);
