import type { Unit } from '../../context.js';
import { domainOf, isFreemail } from '../../domain/freemail.js';
import type { MailAddress } from '../../domain/email-types.js';
import type { Partner, Person } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { partnerKeyForDomain } from '../contact-keys.js';
import { unicodeDomain } from '../../domain/mail-address.js';
import { createPartner } from '../partners/index.js';
import { createPerson } from '../persons.js';

/**
 * A person for an unknown address, at the partner of its work domain: an existing one, or a new
 * `prospect` whose code comes from the domain (made unique with `-2`, `-3`…). Free-mail
 * addresses get a person without a partner.
 */
export async function createProspect(unit: Unit, who: MailAddress): Promise<{ person: Person; partner: Partner | null }> {
  const domain = domainOf(who.address);
  let partner: Partner | null = null;
  if (!isFreemail(domain)) {
    // A subdomain of a known partner's domain is that partner's, never a new prospect.
    const key = await partnerKeyForDomain(unit, domain);
    partner = key ? await unit.tx.get<Partner>('partners', key.ownerId) : null;
    if (!partner) {
      const label = domain.split('.').slice(0, -1).join('.') || domain;
      const base =
        label
          .toUpperCase()
          .replace(/[^A-Z0-9._-]/g, '-')
          .replace(/^[^A-Z0-9]+/, '')
          .slice(0, 48) || 'PROSPECT';
      let code = base;
      for (let n = 2; (await unit.tx.count('partners', where.eq('code', code))) > 0; n++) code = `${base}-${n}`;
      partner = await createPartner(unit, { code, name: unicodeDomain(domain), kind: 'prospect', emailDomains: [domain] });
    }
  }
  const local = who.address.slice(0, who.address.lastIndexOf('@'));
  // A display name holding an address ("jan@zefir.example" <evil@…>) names nobody: it is how
  // spoofed mail pretends to be someone the reader knows.
  const name = who.name && !who.name.includes('@') ? who.name : local;
  const [first, ...rest] = name.split(/\s+/).filter(Boolean);
  const person = await createPerson(unit, {
    partnerId: partner?.id ?? null,
    firstName: (first ?? local).slice(0, 255),
    lastName: (rest.join(' ') || '-').slice(0, 255),
    emails: [who.address],
  });
  return { person, partner };
}
