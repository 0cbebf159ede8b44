import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * One spelling of a domain everywhere (stored partner domains, person and operator addresses,
 * parsed mail, lookups): IDNA ASCII (`xn--…`), lower-case, without a trailing dot. Unicode and
 * xn-- input give the same result (Node's WHATWG URL implementation does the IDNA mapping).
 * Null when the text is not a domain at all.
 */
export function canonicalDomain(domain: string): string | null {
  // Mail repeats a few domains over and over: the IDNA mapping is the costly part of an import's address work.
  const hit = canonical.get(domain);
  if (hit !== undefined) return hit;
  const text = domain.trim().replace(/\.$/, '');
  const ascii = text ? domainToASCII(text) : '';
  const result = ascii ? ascii.toLowerCase() : null;
  if (canonical.size >= CANONICAL_CACHE) canonical.clear();
  canonical.set(domain, result);
  return result;
}

/** Spellings remembered by canonicalDomain (a pure function of its input); forgotten all at once when full. */
const CANONICAL_CACHE = 10_000;
const canonical = new Map<string, string | null>();

/** The domain as people read it (Unicode), for display; the input when it is not a domain. */
export function unicodeDomain(domain: string): string {
  return domainToUnicode(domain) || domain;
}

/**
 * The canonical spelling of an address: trimmed, lower-case, its domain in IDNA ASCII. An
 * address whose domain is not a domain comes back lower-cased only.
 */
export function canonicalAddress(address: string): string {
  const text = address.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const domain = canonicalDomain(text.slice(at + 1));
  return domain ? `${text.slice(0, at)}@${domain}` : text;
}

/**
 * The address without a sub-address tag (`jan+crm@zefir.example` → `jan@zefir.example`); null
 * when it has none. Mail to and from a tagged address belongs to the owner of the plain one.
 */
export function untaggedAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  if (at < 0 || plus <= 0 || plus > at) return null;
  return `${address.slice(0, plus)}${address.slice(at)}`;
}

/** True when `domain` is `parent` or one of its subdomains (both canonical). */
export const withinDomain = (domain: string, parent: string) => domain === parent || domain.endsWith(`.${parent}`);

/**
 * The domain and its parents, most specific first, down to two labels (`a.b.example` →
 * `a.b.example`, `b.example`): the keys under which a registered domain can own it.
 */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out.length ? out : [domain];
}
