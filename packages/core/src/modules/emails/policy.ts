import type { Context } from '../../context.js';
import { domainOf } from '../../domain/freemail.js';
import { UNKNOWN_SENDER_POLICIES, type MailPolicy } from '../../domain/email-types.js';
import { invalid } from '../../errors.js';
import { canonicalAddress, canonicalDomain, withinDomain } from '../../domain/mail-address.js';

export const DEFAULT_MAIL_POLICY: MailPolicy = {
  ownDomains: [],
  unknownSenders: 'keep',
  blocklist: [],
  register: null,
  ownerId: null,
  createTasks: true,
  replyWindowDays: 30,
};

/**
 * The CRM's mail policy with a caller's overrides, checked; own domains and blocklist entries in
 * the canonical spelling (lower-case, IDNA ASCII; `@` stripped from own domains).
 */
export function resolvePolicy(ctx: Context, override: Partial<MailPolicy> | undefined): MailPolicy {
  const policy = { ...DEFAULT_MAIL_POLICY, ...ctx.settings.mail, ...override };
  if (!UNKNOWN_SENDER_POLICIES.includes(policy.unknownSenders)) {
    throw invalid('mail.unknownSenders', `must be one of ${UNKNOWN_SENDER_POLICIES.join(', ')}`, policy.unknownSenders);
  }
  if (typeof policy.replyWindowDays !== 'number' || !Number.isFinite(policy.replyWindowDays) || policy.replyWindowDays < 0) {
    throw invalid('mail.replyWindowDays', 'must be a number of days, 0 or more', policy.replyWindowDays);
  }
  const domain = (d: string) => canonicalDomain(d.replace(/^\s*@/, '')) ?? d.trim().toLowerCase();
  return {
    ...policy,
    ownDomains: policy.ownDomains.map(domain),
    blocklist: policy.blocklist.map((e) => (e.trim().startsWith('@') ? `@${domain(e)}` : canonicalAddress(e))),
  };
}

/** True when the address is on the blocklist (`a@b.com`, or `@b.com` for b.com and its subdomains). */
export function isBlocked(address: string, blocklist: readonly string[]): boolean {
  const addr = canonicalAddress(address);
  const domain = domainOf(addr);
  return blocklist.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('@')) return withinDomain(domain, canonicalDomain(e.slice(1)) ?? e.slice(1));
    return canonicalAddress(e) === addr;
  });
}

/** True when the address belongs to one of the policy's own domains (or a subdomain of one). */
export function isOwnAddress(address: string, policy: MailPolicy): boolean {
  const d = domainOf(address);
  return policy.ownDomains.some((o) => withinDomain(d, o));
}
