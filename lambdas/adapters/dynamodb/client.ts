import { LeanDocumentClient, QueryCommand, type QueryCommandInput } from '../../aws/lean/dynamodb.js';
import { DomainError } from '../../domain/errors.js';

/**
 * The DynamoDB document client every adapter uses, plus the small helpers they share: opaque
 * cursors that cannot be replayed against another partition, an expression builder that names
 * every attribute (so reserved words such as `status`, `name`, `data` never bite), and error tests.
 */

export interface DocumentClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
}

/**
 * The lean client (lambdas/aws/lean), in Lambda, the local runtime and the tests alike: an SDK
 * call costs ~0.9 ms of CPU and most of a bundle, this one a signed HTTPS POST (docs/cost.md, 9).
 */
export function createDocumentClient(options: DocumentClientOptions = {}): LeanDocumentClient {
  return new LeanDocumentClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
  });
}

export type ItemKey = Record<string, string>;

export const invalidCursor = (): DomainError => new DomainError('validation_error', 'Invalid cursor');

/** An opaque cursor: base64url of the JSON key. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor. Throws DomainError('validation_error') when it is not
 * base64url JSON of an object of string values, or when its `pk` is not the partition the caller is
 * paging (one of them, when a listing spans several), so a cursor cannot page another tenant's data.
 */
export function decodeCursor(cursor: string, expectedPk: string | readonly string[]): ItemKey {
  if (cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const key: ItemKey = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' || value.length === 0) throw invalidCursor();
    key[name] = value;
  }
  const allowed = typeof expectedPk === 'string' ? [expectedPk] : expectedPk;
  if (key.pk === undefined || !allowed.includes(key.pk)) throw invalidCursor();
  return key;
}

/**
 * Exactly the named key attributes of a decoded cursor, as an ExclusiveStartKey. Throws
 * validation_error when one is missing or the cursor carries anything else.
 */
export function startKey(key: ItemKey, attributes: readonly string[]): ItemKey {
  const names = Object.keys(key);
  if (names.length !== attributes.length || !attributes.every((name) => key[name] !== undefined)) {
    throw invalidCursor();
  }
  return key;
}

/** The key attributes of a stored item (to build a cursor from the last item returned). */
export function keyOf(item: Record<string, unknown>, attributes: readonly string[]): ItemKey {
  const key: ItemKey = {};
  for (const name of attributes) {
    const value = item[name];
    if (typeof value !== 'string') throw new Error(`Item has no string key attribute ${name}`);
    key[name] = value;
  }
  return key;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ConditionalCheckFailedException'
  );
}

/**
 * Builds expressions with generated placeholders for every name and value. One builder per
 * request: UpdateExpression, ConditionExpression/KeyConditionExpression and FilterExpression share
 * its ExpressionAttributeNames/Values.
 */
export class Expr {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly nameIds = new Map<string, string>();
  private valueCount = 0;
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];

  /** A placeholder for an attribute name (one per distinct name). */
  n(attribute: string): string {
    let id = this.nameIds.get(attribute);
    if (!id) {
      id = `#n${this.nameIds.size}`;
      this.nameIds.set(attribute, id);
      this.names[id] = attribute;
    }
    return id;
  }

  /** A placeholder for a value. */
  v(value: unknown): string {
    const id = `:v${this.valueCount++}`;
    this.values[id] = value;
    return id;
  }

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.n(attribute)} = ${this.v(value)}`);
    return this;
  }

  /** SET attribute = <expression> (the expression built with n()/v()). */
  setExpr(attribute: string, expression: string): this {
    this.sets.push(`${this.n(attribute)} = ${expression}`);
    return this;
  }

  /** SET when the value is defined, REMOVE otherwise. */
  setOrRemove(attribute: string, value: unknown): this {
    return value === undefined ? this.remove(attribute) : this.set(attribute, value);
  }

  remove(attribute: string): this {
    this.removes.push(this.n(attribute));
    return this;
  }

  /** ADD to a number, or a set union (a Set of strings: a string set). */
  add(attribute: string, value: number | ReadonlySet<string>): this {
    this.adds.push(`${this.n(attribute)} ${this.v(value)}`);
    return this;
  }

  update(): string {
    const clauses: string[] = [];
    if (this.sets.length > 0) clauses.push(`SET ${this.sets.join(', ')}`);
    if (this.adds.length > 0) clauses.push(`ADD ${this.adds.join(', ')}`);
    if (this.removes.length > 0) clauses.push(`REMOVE ${this.removes.join(', ')}`);
    return clauses.join(' ');
  }

  /** The shared name/value maps, omitted when empty (DynamoDB rejects empty maps). */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** `expires_at` in epoch seconds: the item has expired when this is at or before now. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Whether an item is still live: no expires_at, or expires_at in the future. */
export function isLive(item: Record<string, unknown>, nowSeconds: number): boolean {
  const expiresAt = item.expires_at;
  return typeof expiresAt !== 'number' || expiresAt > nowSeconds;
}

export interface CollectOptions<T> {
  readonly limit: number;
  readonly exclusiveStartKey?: ItemKey;
  /** The key attributes of the queried table or index, for the cursor of the last item returned. */
  readonly keyAttributes: readonly string[];
  /** Maps a raw item, or rejects it (undefined) when a client-side check fails. */
  readonly accept: (item: Record<string, unknown>) => T | undefined;
  /**
   * Items to ask per query page given how many are still wanted. Defaults to one more than wanted,
   * so a full page knows whether anything follows.
   */
  readonly pageSize?: (wanted: number) => number;
  /**
   * At most this many items evaluated (read before the filter) per call: a selective filter then
   * ends the call with fewer items than `limit` and a key to go on from, instead of reading on.
   */
  readonly maxEvaluated?: number;
}

/**
 * Runs a query page after page until `limit` accepted items or the end. When it stops in the middle
 * of a page (or at a page end that has a LastEvaluatedKey), the returned key is the key of the last
 * item RETURNED, so the next call resumes right after it, whatever the filter skipped.
 */
export async function collectQuery<T>(
  doc: LeanDocumentClient,
  input: QueryCommandInput,
  options: CollectOptions<T>,
): Promise<{ items: T[]; lastKey?: ItemKey }> {
  const items: T[] = [];
  const pageSize = options.pageSize ?? ((wanted: number) => wanted + 1);
  let exclusiveStartKey: Record<string, unknown> | undefined = options.exclusiveStartKey;
  if (options.limit <= 0) return { items };
  const maxEvaluated = options.maxEvaluated ?? Number.POSITIVE_INFINITY;
  let evaluated = 0;
  for (;;) {
    const result = await doc.send(
      new QueryCommand({
        ...input,
        Limit: Math.min(pageSize(options.limit - items.length), maxEvaluated - evaluated),
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    const page = result.Items ?? [];
    for (let index = 0; index < page.length; index++) {
      const raw = page[index]!;
      const item = options.accept(raw);
      if (item === undefined) continue;
      items.push(item);
      if (items.length === options.limit) {
        const more = index < page.length - 1 || result.LastEvaluatedKey !== undefined;
        return more ? { items, lastKey: keyOf(raw, options.keyAttributes) } : { items };
      }
    }
    if (!result.LastEvaluatedKey) return { items };
    evaluated += result.ScannedCount ?? page.length;
    if (evaluated >= maxEvaluated)
      return { items, lastKey: keyOf(result.LastEvaluatedKey, options.keyAttributes) };
    exclusiveStartKey = result.LastEvaluatedKey;
  }
}
