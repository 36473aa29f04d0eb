/**
 * Time budgets of synchronous work behind the API. A request runs inside a Lambda function (its
 * configured timeout) behind API Gateway (a REST API's integration timeout, 29 s): whatever the
 * request waits for must end in time to answer and to record what happened.
 */

/** API Gateway's REST integration timeout: a request still running after it gets a 504. */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;

/** Kept back from a synchronous send to record its outcome (a few DynamoDB writes) and answer. */
export const RECORDING_MARGIN_MS = 1_500;

/**
 * How long a synchronous send (the test send) may wait for the receiver: the endpoint's timeout,
 * cut to the time the request has left less the recording margin; never negative.
 */
export function synchronousSendTimeoutMs(endpointTimeoutMs: number, remainingMs: number): number {
  return Math.max(0, Math.min(endpointTimeoutMs, Math.floor(remainingMs - RECORDING_MARGIN_MS)));
}

/**
 * The time a request has left: its function's remaining time, and API Gateway's integration limit
 * counted from when the gateway received the request, whichever ends first.
 */
export function requestTimeLeftMs(input: {
  readonly functionRemainingMs: number;
  readonly requestReceivedAtMs: number;
  readonly nowMs: number;
}): number {
  const gatewayLeft = input.requestReceivedAtMs + API_GATEWAY_INTEGRATION_TIMEOUT_MS - input.nowMs;
  return Math.min(input.functionRemainingMs, gatewayLeft);
}
