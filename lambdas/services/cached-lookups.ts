import type { Account, EventType } from '../domain/model.js';
import type { Clock } from '../domain/ports/clock.js';
import type { AccountRepository, EventTypeRepository } from '../domain/ports/config-stores.js';

/**
 * Fan-out's reads of the event catalog and of the account, remembered per container (docs/cost.md,
 * option 7): every ingest message checks its event's type and account, and reading both per event
 * cost 0.2 RCU per delivery at five endpoints an event. Fan-out only: the publish and management
 * APIs keep reading per request, so a plan change applies to their next request; fan-out's quota
 * check sees it within LOOKUP_TTL_MS (docs/quotas.md).
 */

export const LOOKUP_TTL_MS = 60_000;
export const LOOKUP_MAX_ENTRIES = 1_000;

interface Entry<V> {
  readonly value: Promise<V | undefined>;
  readonly expiresAt: number;
}

/**
 * Found values by key for `ttlMs` of the injected clock, at most `maxEntries` of them (the least
 * recently used goes first). Concurrent reads of one key share one load. Absence is not
 * remembered: fan-out parks an event whose type or account it does not find, so a type or account
 * created a moment ago must be found by the next event, not a minute later; unknown keys are rare
 * (the publish API refuses them first), so reading them each time costs little.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = LOOKUP_TTL_MS,
    private readonly maxEntries = LOOKUP_MAX_ENTRIES,
  ) {}

  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.entries.get(key);
    this.entries.delete(key);
    if (cached && cached.expiresAt > now) {
      this.entries.set(key, cached); // most recently used last
      return cached.value;
    }
    const value = load();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    // Only a found value stays: a miss or a failed read is asked again next time.
    const forget = () => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    };
    value.then((found) => found === undefined && forget(), forget);
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

/** The account store with `get` remembered; a write through it forgets the account it changed. */
export function withRememberedAccounts(accounts: AccountRepository, clock: Clock): AccountRepository {
  const cache = new LookupCache<Account>(clock);
  return {
    create: (account) => accounts.create(account),
    get: (id) => cache.get(id, () => accounts.get(id)),
    list: (page) => accounts.list(page),
    exists: (id) => accounts.exists(id),
    async update(id, changes) {
      cache.forget(id);
      return accounts.update(id, changes);
    },
    async markDeleting(id, now) {
      cache.forget(id);
      return accounts.markDeleting(id, now);
    },
  };
}

/** The event catalog with `get` remembered; `put` forgets the type it wrote, `list` reads through. */
export function withRememberedEventTypes(catalog: EventTypeRepository, clock: Clock): EventTypeRepository {
  const cache = new LookupCache<EventType>(clock);
  return {
    async put(eventType) {
      cache.forget(eventType.name);
      await catalog.put(eventType);
    },
    get: (name) => cache.get(name, () => catalog.get(name)),
    list: () => catalog.list(),
  };
}
