/**
 * Receiver verification, shortened from docs/receivers/ (node-receiver.mjs, python_receiver.py):
 * both schemes the service signs with. Each request carries webhook-id, webhook-timestamp and
 * webhook-signature (Standard Webhooks: "v1,<base64>" entries) and X-Webhook-Timestamp with
 * X-Webhook-Signature ("sha256=<hex>" entries); during a rotation each holds one entry per valid
 * secret. The secret is read from the environment, never pasted into code.
 */

export const NODE_SNIPPET = `// npm install standardwebhooks; WEBHOOK_SECRET=whsec_...
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;

// Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
function verifyStandard(rawBody, headers) {
  try {
    new Webhook(secret).verify(rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

// X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">,
// keyed with the whole secret string
function verifySimple(rawBody, headers) {
  const timestamp = headers['x-webhook-timestamp'];
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    \`sha256=\${createHmac('sha256', secret).update(\`\${timestamp}.\${rawBody}\`).digest('hex')}\`,
  );
  return String(headers['x-webhook-signature'] ?? '')
    .split(',')
    .some((signature) => {
      const given = Buffer.from(signature.trim());
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
`;

export const PYTHON_SNIPPET = `# WEBHOOK_SECRET=whsec_... (standard library only)
import base64, hashlib, hmac, os, time

SECRET = os.environ["WEBHOOK_SECRET"]

def fresh(timestamp: str) -> bool:
    return timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300

# Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
def verify_standard(body: bytes, headers) -> bool:
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not fresh(timestamp):
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [e.split(",", 1)[1] for e in headers.get("webhook-signature", "").split() if e.startswith("v1,")]
    return any(hmac.compare_digest(expected, signature) for signature in given)

# X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">,
# keyed with the whole secret string
def verify_simple(body: bytes, headers) -> bool:
    timestamp = headers.get("x-webhook-timestamp", "")
    if not fresh(timestamp):
        return False
    digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    given = headers.get("x-webhook-signature", "").split(",")
    return any(hmac.compare_digest(f"sha256={digest}", signature.strip()) for signature in given)
`;
