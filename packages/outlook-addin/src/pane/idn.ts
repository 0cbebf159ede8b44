import { toUnicode } from 'punycode.js';

/**
 * An address or domain as people read it: the store keeps domains in IDNA ASCII (`xn--…`, see
 * core's canonicalDomain); the pane shows them in Unicode (`kontakt@żółw.example`). Only the
 * xn-- labels change; anything else comes back as it was.
 */
export function readable(address: string): string {
  if (!address.includes('xn--')) return address;
  try {
    return toUnicode(address);
  } catch {
    return address;
  }
}
