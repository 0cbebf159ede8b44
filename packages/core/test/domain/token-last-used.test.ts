import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, type ApiToken } from '@rapport/core';

describe('API token last use', () => {
  it('records when a token was last used, at most once an hour', async () => {
    let now = new Date('2026-05-01T08:00:00Z');
    const crm = createCrm({ store: memoryStore(), clock: { now: () => new Date(now) } });
    const op = await crm.operators.create({ name: 'Ann', email: 'ann@example.com' });
    const { token, record } = await crm.operators.createToken(op.id);
    const lastUsed = async () => (await crm.store.get<ApiToken>('api_tokens', record.id))!.lastUsedAt?.toISOString() ?? null;
    expect(await lastUsed()).toBeNull();

    expect((await crm.operators.authenticate(token))?.id).toBe(op.id);
    expect(await lastUsed()).toBe('2026-05-01T08:00:00.000Z');

    now = new Date('2026-05-01T08:59:00Z');
    await crm.operators.authenticate(token);
    expect(await lastUsed()).toBe('2026-05-01T08:00:00.000Z');

    now = new Date('2026-05-01T09:00:00Z');
    await Promise.all([crm.operators.authenticate(token), crm.operators.authenticate(token)]);
    expect(await lastUsed()).toBe('2026-05-01T09:00:00.000Z');

    await crm.operators.revokeToken(record.id);
    now = new Date('2026-05-01T11:00:00Z');
    expect(await crm.operators.authenticate(token)).toBeNull();
    expect(await lastUsed()).toBe('2026-05-01T09:00:00.000Z');
  });
});
