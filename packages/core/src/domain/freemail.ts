import { canonicalDomain, domainAndParents } from './mail-address.js';

/** Public mailbox providers: an address there says nothing about the company behind it. */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'ymail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'fastmail.com',
  'hey.com',
  'tutanota.com',
  'wp.pl',
  'o2.pl',
  'onet.pl',
  'onet.eu',
  'interia.pl',
  'interia.eu',
  'poczta.fm',
  'tlen.pl',
  'op.pl',
  'gazeta.pl',
  'yahoo.ro',
  'freemail.hu',
  'seznam.cz',
  'libero.it',
  'laposte.net',
  'orange.fr',
  'free.fr',
  't-online.de',
]);

/** The domain of an address in its canonical spelling (lower-case, IDNA ASCII; see canonicalDomain). */
export const domainOf = (address: string) => {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return canonicalDomain(domain) ?? domain.toLowerCase();
};

/** A free-mail domain or a subdomain of one (`mail.yahoo.com`), in either spelling. */
export const isFreemail = (domain: string) => {
  const canonical = canonicalDomain(domain) ?? domain.toLowerCase();
  return domainAndParents(canonical).some((d) => FREEMAIL_DOMAINS.has(d));
};
