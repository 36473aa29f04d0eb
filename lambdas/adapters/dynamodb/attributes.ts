/**
 * Reading attributes of stored items, for every store of both tables: an item written by an older
 * version (or by hand) may lack an attribute or hold another type, and reads as empty, not as an error.
 */

export type Item = Record<string, unknown>;

export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
export const optionalStr = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
export const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
export const optionalNum = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : undefined;
