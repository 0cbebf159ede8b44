import { describe, expect, it } from 'vitest';
import { hashToken } from '@rapport/core';
import { rejects, setup } from './setup.js';

/** Every string anywhere in the store's records (JSON-serialised), for "is this stored?" checks. */
async function storeDump(store: import('@rapport/core').Store, collections: string[]) {
  const parts: string[] = [];
  for (const c of collections) parts.push(JSON.stringify((await store.find(c, { limit: 10_000 })).items));
  return parts.join('\n');
}

describe('operators', () => {
  it('creates an operator with a normalised unique e-mail', async () => {
    const { crm } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: ' Ewa@Firma.PL ', groups: ['sprzedaż'] });
    expect(ewa).toMatchObject({ email: 'ewa@firma.pl', groups: ['sprzedaż'], active: true });
    await rejects(crm.operators.create({ name: 'Ewa 2', email: 'EWA@firma.pl' }), 'CONFLICT', 'operator.email', 'ewa@firma.pl');
    await rejects(crm.operators.create({ name: 'X', email: 'not-mail' }), 'VALIDATION', 'operator.email', '"not-mail"');
    await rejects(crm.operators.create({ name: '', email: 'x@firma.pl' }), 'VALIDATION', 'operator.name');
    expect((await crm.operators.findByEmail('EWA@firma.pl'))?.id).toBe(ewa.id);
  });

  it('refuses changing an operator e-mail to one another operator uses', async () => {
    const { crm, admin } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    await rejects(crm.operators.update(ewa.id, { email: 'ADMIN@firma.pl' }), 'CONFLICT', 'operator.email', 'admin@firma.pl');
    expect((await crm.operators.get(ewa.id)).email).toBe('ewa@firma.pl');
    expect((await crm.operators.update(admin.id, { email: 'admin@firma.pl', name: 'Admin' })).name).toBe('Admin');
  });

  it('stores only the hash of an API token, never the token itself', async () => {
    const { crm, admin, store } = await setup();
    const { token, record } = await crm.operators.createToken(admin.id, { label: 'Outlook' });
    expect(token).toMatch(/^rpt_[A-Za-z0-9_-]{43}$/);
    expect(record.tokenHash).toBe(hashToken(token));
    const dump = await storeDump(store, ['api_tokens', 'operators', 'audit', 'timeline', 'contact_keys']);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(4));
    expect(dump).toContain(hashToken(token));
  });

  it('authenticates a valid token and rejects unknown, malformed and revoked ones', async () => {
    const { crm, admin } = await setup();
    const { token, record } = await crm.operators.createToken(admin.id);
    expect((await crm.operators.authenticate(token))?.id).toBe(admin.id);
    expect(await crm.operators.authenticate(`${token}x`)).toBeNull();
    expect(await crm.operators.authenticate('')).toBeNull();
    expect(await crm.operators.authenticate(record.tokenHash)).toBeNull();
    expect(await crm.operators.authenticate(undefined as never)).toBeNull();
    const revoked = await crm.operators.revokeToken(record.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await crm.operators.authenticate(token)).toBeNull();
  });

  it('stops authenticating a deactivated operator and refuses new tokens for them', async () => {
    const { crm } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    const { token } = await crm.operators.createToken(ewa.id);
    await crm.operators.update(ewa.id, { active: false });
    expect(await crm.operators.authenticate(token)).toBeNull();
    await rejects(crm.operators.createToken(ewa.id), 'FORBIDDEN', 'ewa@firma.pl');
  });

  it('refuses a deactivated operator as task owner', async () => {
    const { crm } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    await crm.operators.update(ewa.id, { active: false });
    await rejects(crm.tasks.create({ subject: 'x', ownerId: ewa.id }), 'VALIDATION', 'task.ownerId', ewa.id);
  });

  it('refuses tokens for an unknown operator and revoking an unknown token', async () => {
    const { crm } = await setup();
    await rejects(crm.operators.createToken('ghost'), 'NOT_FOUND', '"ghost"');
    await rejects(crm.operators.revokeToken('ghost'), 'NOT_FOUND', '"ghost"');
  });
});
