import { describe, expect, it } from 'vitest';
import { canonicalAddress, canonicalDomain, domainOf, isFreemail, unicodeDomain, type ContactKey } from '@rapport/core';
import { all, rejects, setup } from './setup.js';

describe('addresses and domains: one spelling on both sides', () => {
  it('an IDN domain in Unicode or xn-- form, any case, has one canonical (IDNA ASCII) spelling', () => {
    expect(canonicalDomain('Żółw.example')).toBe('xn--w-uga1v8h.example');
    expect(canonicalDomain('XN--W-UGA1V8H.example.')).toBe('xn--w-uga1v8h.example');
    expect(canonicalAddress(' Zofia@ŻÓŁW.example ')).toBe('zofia@xn--w-uga1v8h.example');
    expect(domainOf('klaus@münchen.example')).toBe('xn--mnchen-3ya.example');
    expect(unicodeDomain('xn--mnchen-3ya.example')).toBe('münchen.example');
    expect(canonicalDomain('not a domain')).toBeNull();
  });

  it('a subdomain of a free-mail provider is free mail too', () => {
    expect(isFreemail('gmail.com')).toBe(true);
    expect(isFreemail('mail.yahoo.com')).toBe(true);
    expect(isFreemail('gmail.com.example')).toBe(false);
  });

  it('partner domains and person addresses given in Unicode are stored and indexed in IDNA ASCII', async () => {
    const { crm, store } = await setup();
    const zolw = await crm.partners.create({ code: 'ZOLW', name: 'Żółw', emailDomains: ['Żółw.example'], emails: ['Biuro@żółw.example'] });
    expect(zolw.emailDomains).toEqual(['xn--w-uga1v8h.example']);
    expect(zolw.emails).toEqual(['biuro@xn--w-uga1v8h.example']);
    const zofia = await crm.persons.create({ partnerId: zolw.id, firstName: 'Zofia', lastName: 'Żak', emails: ['zofia@żółw.example'] });
    expect(zofia.emails).toEqual(['zofia@xn--w-uga1v8h.example']);
    const keys = await all<ContactKey>(store, 'contact_keys');
    expect(
      keys
        .filter((k) => k.ownerType !== 'operator')
        .map((k) => k.value)
        .sort(),
    ).toEqual(['biuro@xn--w-uga1v8h.example', 'xn--w-uga1v8h.example', 'zofia@xn--w-uga1v8h.example']);
    // Either spelling finds them, and the same domain twice is one domain (a CONFLICT for another partner).
    expect((await crm.partners.findByDomain('xn--w-uga1v8h.example'))?.id).toBe(zolw.id);
    expect((await crm.partners.findByDomain('ŻÓŁW.example'))?.id).toBe(zolw.id);
    expect((await crm.persons.findByEmail('ZOFIA@xn--w-uga1v8h.EXAMPLE')).map((p) => p.id)).toEqual([zofia.id]);
    await rejects(crm.partners.create({ code: 'OTHER', name: 'Other', emailDomains: ['xn--w-uga1v8h.example'] }), 'CONFLICT', 'xn--w-uga1v8h.example');
    await rejects(crm.partners.create({ code: 'BAD', name: 'Bad', emailDomains: ['żółw..example'] }), 'VALIDATION', 'partner.emailDomains[0]');
  });

  it('a subdomain belongs to the partner of the most specific registered domain', async () => {
    const { crm } = await setup();
    const carpati = await crm.partners.create({ code: 'CARPATI', name: 'Carpați', emailDomains: ['carpati.example'] });
    const hu = await crm.partners.create({ code: 'CARPATI-HU', name: 'Carpați Kft.', emailDomains: ['hu.carpati.example'] });
    expect((await crm.partners.findByDomain('ro.carpati.example'))?.id).toBe(carpati.id);
    expect((await crm.partners.findByDomain('mail.hu.carpati.example'))?.id).toBe(hu.id);
    expect(await crm.partners.findByDomain('evilcarpati.example')).toBeNull();
    expect(await crm.partners.findByDomain('carpati.example.attacker.example')).toBeNull();
    expect((await crm.history.forEmail('maria@ro.carpati.example')).partner?.id).toBe(carpati.id);
  });

  it('a plus-tagged address is its owner: jan+crm@zefir.example is Jan', async () => {
    const { crm } = await setup();
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.example'] });
    const jan = await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.example'] });
    expect((await crm.persons.findByEmail('Jan+CRM@zefir.example')).map((p) => p.id)).toEqual([jan.id]);
    const history = await crm.history.forEmail('jan+crm@zefir.example');
    expect(history.person?.id).toBe(jan.id);
    expect(history.partner?.id).toBe(zefir.id);
  });
});
