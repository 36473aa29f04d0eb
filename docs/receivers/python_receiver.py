"""A webhook receiver in Python (standard library only) that verifies both signature schemes.

    WEBHOOK_SECRET=whsec_... PORT=4000 python3 python_receiver.py

Standard Webhooks: HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" keyed with the
base64-decoded part of the secret after "whsec_"; the header holds "v1,<base64>" entries.
Simple scheme: X-Webhook-Signature = sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">, keyed with the
whole secret string.
"""
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
TOLERANCE_SECONDS = 300


def fresh(timestamp: str) -> bool:
    return timestamp.isdigit() and abs(time.time() - int(timestamp)) <= TOLERANCE_SECONDS


def verify_standard(body: bytes, headers) -> bool:
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not fresh(timestamp):
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [entry.split(",", 1)[1] for entry in headers.get("webhook-signature", "").split() if entry.startswith("v1,")]
    return any(hmac.compare_digest(expected, signature) for signature in given)


def verify_simple(body: bytes, headers) -> bool:
    timestamp = headers.get("x-webhook-timestamp", "")
    if not fresh(timestamp):
        return False
    digest = hmac.new(SECRET.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    # During a secret rotation there is one entry per valid secret: any match is enough.
    given = headers.get("x-webhook-signature", "").split(",")
    return any(hmac.compare_digest(f"sha256={digest}", signature.strip()) for signature in given)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        valid = verify_standard(body, self.headers) and verify_simple(body, self.headers)
        self.send_response(200 if valid else 401)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"verified": valid}).encode())
        if valid:
            print(f"verified {self.headers.get('webhook-id')} {json.loads(body)['type']}", flush=True)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "4000"))), Receiver)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
