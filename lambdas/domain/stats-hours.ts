/**
 * The hour buckets of per-endpoint stats: 'YYYYMMDDHH' in UTC. One definition for the use cases that
 * pick the bucket an outcome counts in and for the store that reads the last 24 of them.
 */
export const hourBucket = (date: Date): string => date.toISOString().slice(0, 13).replace(/[-T]/g, '');
