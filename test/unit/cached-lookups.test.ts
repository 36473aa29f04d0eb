import { describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { createDependencies, FUNCTION_PORTS, type FunctionName } from '../../lambdas/composition.js';
import type { RuntimeConfig } from '../../lambdas/config.js';
import type { Account, EventType } from '../../lambdas/domain/model.js';
import type { AccountRepository, EventTypeRepository } from '../../lambdas/domain/ports/config-stores.js';
import {
  LOOKUP_TTL_MS,
  LookupCache,
  withRememberedAccounts,
  withRememberedEventTypes,
} from '../../lambdas/services/cached-lookups.js';
import { anAccount, anEventType } from '../support/factories.js';

/** A clock the test moves by hand. */
function aFakeClock(start = Date.parse('2026-12-01T12:00:00.000Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** An account store holding the given accounts, counting its reads. */
function anAccountStore(...accounts: Account[]) {
  const stored = new Map(accounts.map((account) => [account.id, account]));
  const reads: string[] = [];
  const store: AccountRepository = {
    create: async (account) => void stored.set(account.id, account),
    get: async (id) => {
      reads.push(id);
      return stored.get(id);
    },
    list: async () => ({ items: [...stored.values()] }),
    exists: async (id) => stored.has(id),
    update: async (id, changes) => {
      const updated = { ...stored.get(id)!, ...changes };
      stored.set(id, updated);
      return updated;
    },
    markDeleting: async (id) => stored.delete(id),
  };
  return { store, stored, reads };
}

/** An event catalog holding the given types, counting its reads. */
function aCatalog(...types: EventType[]) {
  const stored = new Map(types.map((type) => [type.name, type]));
  const reads: string[] = [];
  const catalog: EventTypeRepository = {
    put: async (type) => void stored.set(type.name, type),
    get: async (name) => {
      reads.push(name);
      return stored.get(name);
    },
    list: async () => [...stored.values()],
  };
  return { catalog, stored, reads };
}

describe('withRememberedAccounts (fan-out)', () => {
  it('answers a second read within 60 s without the store, and reads again after 60 s', async () => {
    // Prepare
    const account = anAccount();
    const { store, reads } = anAccountStore(account);
    const clock = aFakeClock();
    const accounts = withRememberedAccounts(store, clock);

    // Act
    const first = await accounts.get(account.id);
    clock.advance(LOOKUP_TTL_MS - 1);
    const withinTheMinute = await accounts.get(account.id);
    const readsWithin = reads.length;
    clock.advance(1);
    const afterTheMinute = await accounts.get(account.id);

    // Assess
    expect([first, withinTheMinute, afterTheMinute]).toEqual([account, account, account]);
    expect(readsWithin).toBe(1);
    expect(reads).toEqual([account.id, account.id]);
  });

  it('serves the remembered plan for the minute after a change made elsewhere, then the new one', async () => {
    // Prepare
    const account = anAccount({ plan: 'scale' });
    const { store, stored } = anAccountStore(account);
    const clock = aFakeClock();
    const accounts = withRememberedAccounts(store, clock);
    await accounts.get(account.id);

    // Act: the admin API changes the plan through its own, uncached store
    stored.set(account.id, { ...account, plan: 'pro' });
    clock.advance(30_000);
    const within = await accounts.get(account.id);
    clock.advance(30_000);
    const after = await accounts.get(account.id);

    // Assess
    expect([within?.plan, after?.plan]).toEqual(['scale', 'pro']);
  });

  it('does not remember an absent account: one created a moment later is found by the next read', async () => {
    // Prepare
    const account = anAccount();
    const { store, stored, reads } = anAccountStore();
    const accounts = withRememberedAccounts(store, aFakeClock());

    // Act
    const before = await accounts.get(account.id);
    stored.set(account.id, account);
    const after = await accounts.get(account.id);

    // Assess
    expect([before, after]).toEqual([undefined, account]);
    expect(reads).toHaveLength(2);
  });

  it('forgets an account it updates itself', async () => {
    // Prepare
    const account = anAccount({ plan: 'scale' });
    const { store } = anAccountStore(account);
    const accounts = withRememberedAccounts(store, aFakeClock());
    await accounts.get(account.id);

    // Act
    await accounts.update(account.id, { plan: 'pro' });
    const read = await accounts.get(account.id);

    // Assess
    expect(read?.plan).toBe('pro');
  });
});

describe('withRememberedEventTypes (fan-out)', () => {
  it('answers a second read within 60 s without the catalog, and reads again after 60 s', async () => {
    // Prepare
    const type = anEventType();
    const { catalog, reads } = aCatalog(type);
    const clock = aFakeClock();
    const eventTypes = withRememberedEventTypes(catalog, clock);

    // Act
    await eventTypes.get(type.name);
    clock.advance(59_999);
    await eventTypes.get(type.name);
    const readsWithin = reads.length;
    clock.advance(1);
    await eventTypes.get(type.name);

    // Assess
    expect([readsWithin, reads.length]).toEqual([1, 2]);
  });
});

describe('LookupCache', () => {
  it('shares one load between concurrent reads of a key', async () => {
    // Prepare
    const cache = new LookupCache<string>(aFakeClock());
    let loads = 0;
    const load = async () => {
      loads += 1;
      return 'value';
    };

    // Act
    const values = await Promise.all([cache.get('k', load), cache.get('k', load)]);

    // Assess
    expect(values).toEqual(['value', 'value']);
    expect(loads).toBe(1);
  });

  it('keeps at most its size, dropping the least recently used', async () => {
    // Prepare
    const cache = new LookupCache<string>(aFakeClock(), LOOKUP_TTL_MS, 2);
    const loaded: string[] = [];
    const load = (key: string) => async () => {
      loaded.push(key);
      return key;
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a')); // a used last: b is the least recently used

    // Act
    await cache.get('c', load('c'));
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));

    // Assess
    expect(loaded).toEqual(['a', 'b', 'c', 'b']);
  });

  it('reads again after a failed read', async () => {
    // Prepare
    const cache = new LookupCache<string>(aFakeClock());
    let calls = 0;
    const load = async () => {
      calls += 1;
      if (calls === 1) throw new Error('throttled');
      return 'value';
    };

    // Act
    const first = await cache.get('k', load).catch((error: Error) => error.message);
    const second = await cache.get('k', load);

    // Assess
    expect([first, second]).toEqual(['throttled', 'value']);
  });
});

describe('the wiring', () => {
  const config: RuntimeConfig = {
    configTableName: 'config',
    deliveriesTableName: 'deliveries',
    retentionDays: 30,
    allowHttpTargets: false,
    allowPrivateTargets: false,
    region: 'us-east-1',
  };

  it('remembers lookups in the fan-out function only; the APIs read the store per request', () => {
    // Prepare
    const built = (name: FunctionName) => createDependencies(config, FUNCTION_PORTS[name]());

    // Act
    const fanout = built('fanout');
    const publish = built('publish-api');
    const management = built('management-api');

    // Assess
    expect(fanout.accounts).not.toBeInstanceOf(DynamoAccountRepository);
    expect(publish.accounts).toBeInstanceOf(DynamoAccountRepository);
    expect(management.accounts).toBeInstanceOf(DynamoAccountRepository);
  });
});
