// Tests never need real AWS credentials; the SDK still wants some to sign requests to local engines.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
// The SDK's notice that its releases after January 2027 need Node 22 (README, "Node versions"):
// known, and said once there, not once per test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Powertools writes to the global console in dev mode, where vitest can tell which test wrote what:
// with `silent: 'passed-only'` (vitest.config.ts), the service's JSON log lines show only for a
// failing test. Tests that read the raw stdout of Lambda-mode metrics turn dev mode off themselves.
process.env.POWERTOOLS_DEV ??= 'true';
