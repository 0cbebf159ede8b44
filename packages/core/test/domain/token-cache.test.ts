import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, type ApiToken, type Store } from '@rapport/core';

type Method = (this: Store, ...args: unknown[]) => unknown;

/** The memory store, counting reads of api_tokens (find) and operators (get). */
function countingStore() {
  const base = memoryStore();
  const reads = { tokens: 0, operators: 0 };
  const store = new Proxy(base, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'find')
        return (collection: string, ...rest: unknown[]) => (collection === 'api_tokens' && reads.tokens++, (value as Method).call(target, collection, ...rest));
      if (key === 'get')
        return (collection: string, ...rest: unknown[]) => (
          collection === 'operators' && reads.operators++,
          (value as Method).call(target, collection, ...rest)
        );
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  return { store, reads };
}

describe('API token authentication cache', () => {
  it('answers a repeated token from the cache, and sees a revocation or a deactivation at once', async () => {
    const { store, reads } = countingStore();
    const crm = createCrm({ store });
    const op = await crm.operators.create({ name: 'Ann', email: 'ann@example.com' });
    const { token, record } = await crm.operators.createToken(op.id);
    const other = await crm.operators.createToken(op.id, { label: 'second' });

    // The first use records "last used" (a write to api_tokens, which clears the cache); the second is cached.
    expect((await crm.operators.authenticate(token))?.id).toBe(op.id);
    expect((await crm.operators.authenticate(token))?.id).toBe(op.id);
    const first = { ...reads };
    for (let i = 0; i < 10; i++) expect((await crm.operators.authenticate(token))?.id).toBe(op.id);
    expect(reads).toEqual(first);
    // An unknown token is remembered as unknown too, briefly.
    expect(await crm.operators.authenticate('rpt_unknown')).toBeNull();
    expect(await crm.operators.authenticate('rpt_unknown')).toBeNull();
    expect(reads.tokens).toBe(first.tokens + 1);

    await crm.operators.revokeToken(record.id);
    expect(await crm.operators.authenticate(token)).toBeNull();
    expect((await crm.operators.authenticate(other.token))?.id).toBe(op.id);
    await crm.operators.update(op.id, { active: false });
    expect(await crm.operators.authenticate(other.token)).toBeNull();
  });

  it('reads the token again after a second, so another process revoking it is seen', async () => {
    const { store, reads } = countingStore();
    const crm = createCrm({ store });
    const op = await crm.operators.create({ name: 'Ann', email: 'ann@example.com' });
    const { token, record } = await crm.operators.createToken(op.id);
    expect((await crm.operators.authenticate(token))?.id).toBe(op.id);
    // Another process writes the store directly: this CRM's cache hears nothing of it.
    const stored = await store.get<ApiToken>('api_tokens', record.id);
    await store.update<ApiToken>('api_tokens', record.id, { revokedAt: new Date() }, stored!.version);
    const before = reads.tokens;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await crm.operators.authenticate(token)).toBeNull();
    expect(reads.tokens).toBe(before + 1);
  });
});
