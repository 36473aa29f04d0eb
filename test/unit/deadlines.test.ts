import { describe, expect, it } from 'vitest';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  RECORDING_MARGIN_MS,
  requestTimeLeftMs,
  synchronousSendTimeoutMs,
} from '../../lambdas/domain/deadlines.js';

describe('synchronousSendTimeoutMs', () => {
  it('keeps the endpoint timeout when the request has time to spare', () => {
    // Prepare
    const endpointTimeoutMs = 5_000;

    // Act
    const bound = synchronousSendTimeoutMs(endpointTimeoutMs, 9_800);

    // Assess
    expect(bound).toBe(5_000);
  });

  it('cuts a long endpoint timeout to the time left less the recording margin', () => {
    // Prepare
    const endpointTimeoutMs = 30_000;

    // Act
    const bound = synchronousSendTimeoutMs(endpointTimeoutMs, 9_800);

    // Assess
    expect(bound).toBe(9_800 - RECORDING_MARGIN_MS);
  });

  it('is never negative', () => {
    // Prepare
    const almostOut = RECORDING_MARGIN_MS / 2;

    // Act
    const bound = synchronousSendTimeoutMs(30_000, almostOut);

    // Assess
    expect(bound).toBe(0);
  });
});

describe('requestTimeLeftMs', () => {
  it('is the function’s remaining time while the gateway allows more', () => {
    // Prepare
    const receivedAt = 1_000_000;

    // Act
    const left = requestTimeLeftMs({
      functionRemainingMs: 9_000,
      requestReceivedAtMs: receivedAt,
      nowMs: receivedAt + 500,
    });

    // Assess
    expect(left).toBe(9_000);
  });

  it('is what API Gateway’s integration limit leaves when that ends first', () => {
    // Prepare
    const receivedAt = 1_000_000;

    // Act
    const left = requestTimeLeftMs({
      functionRemainingMs: 60_000,
      requestReceivedAtMs: receivedAt,
      nowMs: receivedAt + 4_000,
    });

    // Assess
    expect(left).toBe(API_GATEWAY_INTEGRATION_TIMEOUT_MS - 4_000);
  });
});
