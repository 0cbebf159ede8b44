import type { Unit } from '../../context.js';
import { domainOf, isFreemail } from '../../domain/freemail.js';
import type { MailAddress } from '../../domain/email-types.js';
import type { Partner, Person } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { lookupKey } from '../contact-keys.js';
import { createPartner } from '../partners.js';
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
    const key = (await lookupKey(unit, 'domain', domain, 'partner'))[0];
    partner = key ? await unit.tx.get<Partner>('partners', key.ownerId) : null;
    if (!partner) {
      const label = domain.split('.').slice(0, -1).join('.') || domain;
      const base = label.toUpperCase().replace(/[^A-Z0-9._-]/g, '-').replace(/^[^A-Z0-9]+/, '').slice(0, 48) || 'PROSPECT';
      let code = base;
      for (let n = 2; (await unit.tx.count('partners', where.eq('code', code))) > 0; n++) code = `${base}-${n}`;
      partner = await createPartner(unit, { code, name: domain, kind: 'prospect', emailDomains: [domain] });
    }
  }
  const local = who.address.slice(0, who.address.lastIndexOf('@'));
  const [first, ...rest] = (who.name ?? local).split(/\s+/).filter(Boolean);
  const person = await createPerson(unit, {
    partnerId: partner?.id ?? null,
    firstName: (first ?? local).slice(0, 255),
    lastName: (rest.join(' ') || '-').slice(0, 255),
    emails: [who.address],
  });
  return { person, partner };
}
