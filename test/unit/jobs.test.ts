import { describe, expect, it } from 'vitest';
import { parseDeliveryJob } from '../../lambdas/messages/delivery-job.js';

const aJob = {
  deliveryId: 'dlv_01j00000000000000000000000_wh_abc',
  attempt: 2,
  dueAt: '2025-01-15T10:00:00.000Z',
};

describe('parseDeliveryJob', () => {
  it.each([
    ['with milliseconds', aJob],
    ['without milliseconds', { ...aJob, dueAt: '2025-01-15T10:00:00Z' }],
    ['at the attempt bounds', { ...aJob, attempt: 1000 }],
  ])('accepts a job %s', (_label, job) => {
    // Act
    const parsed = parseDeliveryJob(JSON.stringify(job));

    // Assess
    expect(parsed).toEqual(job);
  });

  it('keeps only the three fields of a job', () => {
    // Act
    const parsed = parseDeliveryJob(JSON.stringify({ ...aJob, extra: 'ignored' }));

    // Assess
    expect(parsed).toEqual(aJob);
  });

  it.each([
    ['text that is not JSON', '{"deliveryId":'],
    ['null', 'null'],
    ['an array', JSON.stringify([aJob])],
    ['an empty delivery id', JSON.stringify({ ...aJob, deliveryId: '' })],
    ['a 201-character delivery id', JSON.stringify({ ...aJob, deliveryId: 'd'.repeat(201) })],
    ['attempt 0', JSON.stringify({ ...aJob, attempt: 0 })],
    ['attempt 1001', JSON.stringify({ ...aJob, attempt: 1001 })],
    ['a fractional attempt', JSON.stringify({ ...aJob, attempt: 1.5 })],
    ['a string attempt', JSON.stringify({ ...aJob, attempt: '2' })],
    ['a due time with an offset', JSON.stringify({ ...aJob, dueAt: '2025-01-15T10:00:00+01:00' })],
    ['a due date only', JSON.stringify({ ...aJob, dueAt: '2025-01-15' })],
    ['an impossible due time', JSON.stringify({ ...aJob, dueAt: '2025-13-45T10:00:00Z' })],
    ['no due time', JSON.stringify({ deliveryId: aJob.deliveryId, attempt: 1 })],
  ])('refuses %s', (_label, body) => {
    // Act
    const parsed = parseDeliveryJob(body);

    // Assess
    expect(parsed).toBeUndefined();
  });
});
