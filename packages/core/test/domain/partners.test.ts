import { describe, expect, it } from 'vitest';
import { PARTNER_KINDS, type ContactKey } from '@rapport/core';
import { all, rejects, setup } from './setup.js';

describe('partners', () => {
  it('stores the partner code upper-case and finds it case-insensitively', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: ' zefir ', name: 'Zefir J. Nowak i E. Nowak' });
    expect(p.code).toBe('ZEFIR');
    expect((await crm.partners.findByCode('Zefir'))?.id).toBe(p.id);
    expect(await crm.partners.findByCode('NOPE')).toBeNull();
  });

  it('refuses a second partner with the same code in another case', async () => {
    const { crm, store } = await setup();
    await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    await rejects(crm.partners.create({ code: 'zefir', name: 'Other' }), 'CONFLICT', 'partner.code', 'ZEFIR');
    expect(await all(store, 'partners')).toHaveLength(1);
  });

  it('refuses renaming a partner to a code another partner uses', async () => {
    const { crm } = await setup();
    await crm.partners.create({ code: 'A', name: 'A' });
    const b = await crm.partners.create({ code: 'B', name: 'B' });
    await rejects(crm.partners.update(b.id, { code: 'a' }), 'CONFLICT', 'partner.code', 'A');
    expect((await crm.partners.update(b.id, { code: 'b' })).code).toBe('B');
  });

  it('refuses a code with characters outside letters, digits and . _ - /', async () => {
    const { crm } = await setup();
    await rejects(crm.partners.create({ code: 'ZE FIR', name: 'x' }), 'VALIDATION', 'partner.code', '"ZE FIR"');
    await rejects(crm.partners.create({ code: '', name: 'x' }), 'VALIDATION', 'partner.code');
    await rejects(crm.partners.create({ code: 'X', name: '  ' }), 'VALIDATION', 'partner.name');
  });

  it('accepts every partner kind, defaults to customer and refuses others', async () => {
    const { crm } = await setup();
    for (const kind of PARTNER_KINDS) expect((await crm.partners.create({ code: `K-${kind}`, name: kind, kind })).kind).toBe(kind);
    expect((await crm.partners.create({ code: 'DEF', name: 'Default' })).kind).toBe('customer');
    await rejects(crm.partners.create({ code: 'BAD', name: 'Bad', kind: 'friend' as never }), 'VALIDATION', 'partner.kind', '"friend"');
  });

  it('treats an undefined optional field as not given', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'U', name: 'U', kind: undefined, taxId: undefined });
    expect(p.kind).toBe('customer');
    const same = await crm.partners.update(p.id, { kind: undefined, name: 'U2' });
    expect(same.kind).toBe('customer');
  });

  it('lets an e-mail domain belong to one partner only', async () => {
    const { crm } = await setup();
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['@Zefir.PL'] });
    expect(zefir.emailDomains).toEqual(['zefir.pl']);
    await rejects(crm.partners.create({ code: 'OTHER', name: 'Other', emailDomains: ['zefir.pl'] }), 'CONFLICT', 'partner.emailDomains', 'zefir.pl');
    const other = await crm.partners.create({ code: 'OTHER', name: 'Other' });
    await rejects(crm.partners.update(other.id, { emailDomains: ['ZEFIR.pl'] }), 'CONFLICT', 'zefir.pl');
    expect((await crm.partners.findByDomain('zefir.pl'))?.id).toBe(zefir.id);
    // Updating the owner itself with its own domain is fine.
    await crm.partners.update(zefir.id, { emailDomains: ['zefir.pl', 'zefir.com'] });
  });

  it('refuses a free-mail domain as a partner domain', async () => {
    const { crm } = await setup();
    await rejects(crm.partners.create({ code: 'G', name: 'G', emailDomains: ['gmail.com'] }), 'VALIDATION', 'partner.emailDomains', 'gmail.com');
  });

  it('keeps a trimmed address and refuses unknown address fields or non-objects', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'A', name: 'A', address: { street: ' Kwiatowa 1 ', city: 'Kraków', postalCode: '30-001', country: 'PL' } });
    expect(p.address).toEqual({ street: 'Kwiatowa 1', city: 'Kraków', postalCode: '30-001', country: 'PL' });
    await rejects(crm.partners.create({ code: 'B', name: 'B', address: { town: 'X' } as never }), 'VALIDATION', 'partner.address.town');
    await rejects(crm.partners.create({ code: 'C', name: 'C', address: 'Kraków' as never }), 'VALIDATION', 'partner.address', '"Kraków"');
    expect((await crm.partners.update(p.id, { address: null })).address).toBeNull();
  });

  it('refuses malformed domains and addresses naming the field and value', async () => {
    const { crm } = await setup();
    await rejects(crm.partners.create({ code: 'D', name: 'D', emailDomains: ['not a domain'] }), 'VALIDATION', 'partner.emailDomains[0]', '"not a domain"');
    await rejects(crm.partners.create({ code: 'E', name: 'E', emails: ['ok@e.pl', 'broken@'] }), 'VALIDATION', 'partner.emails[1]', '"broken@"');
  });

  it('moves contact keys with the partner addresses and domains when they change', async () => {
    const { crm, store } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z', emails: ['biuro@zefir.pl'], emailDomains: ['zefir.pl'] });
    await crm.partners.update(p.id, { emails: ['office@zefir.com'], emailDomains: ['zefir.com'] });
    const keys = (await all<ContactKey>(store, 'contact_keys')).filter((k) => k.ownerId === p.id);
    expect(keys.map((k) => `${k.kind}:${k.value}`).sort()).toEqual(['domain:zefir.com', 'email:office@zefir.com']);
    expect(await crm.partners.findByDomain('zefir.pl')).toBeNull();
    expect((await crm.partners.findByDomain('zefir.com'))?.id).toBe(p.id);
    // The freed domain can now go to another partner.
    await crm.partners.create({ code: 'N', name: 'N', emailDomains: ['zefir.pl'] });
  });

  it('updates with a stale expectedVersion are a CONFLICT and change nothing', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Zefir' });
    const v2 = await crm.partners.update(p.id, { name: 'Zefir 2' }, { expectedVersion: 1 });
    expect(v2.version).toBe(2);
    await rejects(crm.partners.update(p.id, { name: 'Lost' }, { expectedVersion: 1 }), 'CONFLICT', 'version 2', '1');
    expect((await crm.partners.get(p.id)).name).toBe('Zefir 2');
  });

  it('audits changes of owner, kind and sales block and puts a kind change on the timeline', async () => {
    const { crm, admin, store } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Zefir', kind: 'prospect' });
    await crm.partners.update(p.id, { kind: 'customer', ownerId: admin.id, salesBlocked: true });
    const audit = (await all<{ entityId: string; field: string; from: unknown; to: unknown; actorId: string }>(store, 'audit')).filter(
      (a) => a.entityId === p.id,
    );
    expect(audit.map((a) => [a.field, a.from, a.to, a.actorId])).toEqual(
      expect.arrayContaining([
        ['kind', 'prospect', 'customer', admin.id],
        ['ownerId', null, admin.id, admin.id],
        ['salesBlocked', false, true, admin.id],
      ]),
    );
    const history = await crm.history.forPartner(p.id);
    expect(history.items[0]?.kind).toBe('partner.kind_changed');
  });

  it('refuses an unknown owner with NOT_FOUND naming the id', async () => {
    const { crm } = await setup();
    await rejects(crm.partners.create({ code: 'Z', name: 'Z', ownerId: 'nobody' }), 'NOT_FOUND', 'operator', '"nobody"');
  });

  it('refuses to remove a partner that still has persons and removes one that has none', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z', emailDomains: ['zefir.pl'] });
    const person = await crm.persons.create({ partnerId: p.id, firstName: 'Jan', lastName: 'Fiszka' });
    await rejects(crm.partners.remove(p.id), 'CONFLICT', 'persons');
    await crm.persons.update(person.id, { partnerId: null });
    await crm.partners.remove(p.id);
    await rejects(crm.partners.get(p.id), 'NOT_FOUND', p.id);
    expect(await crm.partners.findByDomain('zefir.pl')).toBeNull();
  });

  it('lists partners by kind and search, ordered by name', async () => {
    const { crm } = await setup();
    await crm.partners.create({ code: 'B', name: 'Beta', kind: 'lead' });
    await crm.partners.create({ code: 'A', name: 'Alfa', kind: 'lead' });
    await crm.partners.create({ code: 'C', name: 'Gamma', kind: 'supplier' });
    expect((await crm.partners.list({ kind: 'lead' })).items.map((p) => p.name)).toEqual(['Alfa', 'Beta']);
    expect((await crm.partners.list({ search: 'amm' })).items.map((p) => p.code)).toEqual(['C']);
  });
});

describe('persons', () => {
  it('creates a person at a partner or on their own', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    const jan = await crm.persons.create({ partnerId: p.id, firstName: 'Jan', lastName: 'Fiszka', position: 'Prezes' });
    expect(jan.partnerId).toBe(p.id);
    const solo = await crm.persons.create({ firstName: 'Anna', lastName: 'Solo' });
    expect(solo.partnerId).toBeNull();
    expect((await crm.persons.list({ partnerId: p.id })).items.map((x) => x.id)).toEqual([jan.id]);
  });

  it('refuses a person at an unknown partner', async () => {
    const { crm, store } = await setup();
    await rejects(crm.persons.create({ partnerId: 'missing', firstName: 'A', lastName: 'B' }), 'NOT_FOUND', 'partner', '"missing"');
    expect(await all(store, 'persons')).toHaveLength(0);
    await rejects(crm.persons.create({ firstName: '', lastName: 'B' }), 'VALIDATION', 'person.firstName');
  });

  it('finds persons by any of their addresses, case-insensitively', async () => {
    const { crm } = await setup();
    const jan = await crm.persons.create({ firstName: 'Jan', lastName: 'Fiszka', emails: ['Jan.Fiszka@Zefir.pl', 'jan@prywatny.pl'] });
    expect(jan.emails).toEqual(['jan.fiszka@zefir.pl', 'jan@prywatny.pl']);
    expect((await crm.persons.findByEmail('JAN.FISZKA@zefir.PL')).map((p) => p.id)).toEqual([jan.id]);
    expect((await crm.persons.findByEmail('Jan@Prywatny.pl')).map((p) => p.id)).toEqual([jan.id]);
    expect(await crm.persons.findByEmail('other@zefir.pl')).toEqual([]);
    await rejects(crm.persons.findByEmail('not-an-address'), 'VALIDATION', 'email', '"not-an-address"');
  });

  it("re-indexes addresses when a person's e-mails change", async () => {
    const { crm } = await setup();
    const jan = await crm.persons.create({ firstName: 'Jan', lastName: 'Fiszka', emails: ['old@zefir.pl'] });
    await crm.persons.update(jan.id, { emails: ['new@zefir.pl'] });
    expect(await crm.persons.findByEmail('old@zefir.pl')).toEqual([]);
    expect((await crm.persons.findByEmail('new@zefir.pl')).map((p) => p.id)).toEqual([jan.id]);
  });

  it('audits moving a person to another partner', async () => {
    const { crm, store, admin } = await setup();
    const a = await crm.partners.create({ code: 'A', name: 'A' });
    const b = await crm.partners.create({ code: 'B', name: 'B' });
    const jan = await crm.persons.create({ partnerId: a.id, firstName: 'Jan', lastName: 'Fiszka' });
    await crm.persons.update(jan.id, { partnerId: b.id });
    const audit = (await all<{ entityId: string; field: string; from: unknown; to: unknown; actorId: string }>(store, 'audit')).filter(
      (x) => x.entityId === jan.id,
    );
    expect(audit.map((x) => [x.field, x.from, x.to, x.actorId])).toEqual([['partnerId', a.id, b.id, admin.id]]);
  });

  it('stale person updates are a CONFLICT', async () => {
    const { crm } = await setup();
    const jan = await crm.persons.create({ firstName: 'Jan', lastName: 'Fiszka' });
    await crm.persons.update(jan.id, { position: 'CEO' });
    await rejects(crm.persons.update(jan.id, { position: 'CTO' }, { expectedVersion: 1 }), 'CONFLICT', jan.id);
    expect((await crm.persons.get(jan.id)).position).toBe('CEO');
  });
});
