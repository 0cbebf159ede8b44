/** Public mailbox providers: an address there says nothing about the company behind it. */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'ymail.com', 'outlook.com', 'hotmail.com', 'live.com',
  'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com',
  'proton.me', 'protonmail.com', 'pm.me', 'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'fastmail.com', 'hey.com',
  'tutanota.com', 'wp.pl', 'o2.pl', 'onet.pl', 'onet.eu', 'interia.pl', 'interia.eu', 'poczta.fm', 'tlen.pl', 'op.pl',
  'gazeta.pl', 'yahoo.ro', 'freemail.hu', 'seznam.cz', 'libero.it', 'laposte.net', 'orange.fr', 'free.fr', 't-online.de',
]);

/** The domain of an address, lower-case. */
export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export const isFreemail = (domain: string) => FREEMAIL_DOMAINS.has(domain.toLowerCase());
