import type { Context } from '../../context.js';
import { domainOf } from '../../domain/freemail.js';
import { UNKNOWN_SENDER_POLICIES, type MailPolicy } from '../../domain/email-types.js';
import { invalid } from '../../errors.js';

export const DEFAULT_MAIL_POLICY: MailPolicy = {
  ownDomains: [],
  unknownSenders: 'keep',
  blocklist: [],
  register: null,
  ownerId: null,
  createTasks: true,
};

/** The CRM's mail policy with a caller's overrides, checked; own domains lower-case without `@`. */
export function resolvePolicy(ctx: Context, override: Partial<MailPolicy> | undefined): MailPolicy {
  const policy = { ...DEFAULT_MAIL_POLICY, ...ctx.settings.mail, ...override };
  if (!UNKNOWN_SENDER_POLICIES.includes(policy.unknownSenders)) {
    throw invalid('mail.unknownSenders', `must be one of ${UNKNOWN_SENDER_POLICIES.join(', ')}`, policy.unknownSenders);
  }
  return { ...policy, ownDomains: policy.ownDomains.map((d) => d.trim().toLowerCase().replace(/^@/, '')) };
}

/** True when the address is on the blocklist (`a@b.com`, or `@b.com` for b.com and its subdomains). */
export function isBlocked(address: string, blocklist: readonly string[]): boolean {
  const addr = address.toLowerCase();
  const domain = domainOf(addr);
  return blocklist.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('@')) return domain === e.slice(1) || domain.endsWith(`.${e.slice(1)}`);
    return e === addr;
  });
}

/** True when the address belongs to one of the policy's own domains (or a subdomain of one). */
export function isOwnAddress(address: string, policy: MailPolicy): boolean {
  const d = domainOf(address);
  return policy.ownDomains.some((o) => d === o || d.endsWith(`.${o}`));
}
