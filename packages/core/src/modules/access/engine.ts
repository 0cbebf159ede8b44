import type { Clock } from '../../clock.js';
import type { AccessAction } from '../../domain/access-types.js';
import { RapportError } from '../../errors.js';
import { matches, normalizeFilter, type Filter } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Operator } from '../../domain/types.js';
import { resolvePrincipal, grantingRole, type Principal } from './principal.js';
import { GOVERNED, perPrincipal, principalGrants, ruleFilter } from './rules.js';

/** Collections whose changes change someone's principal. */
export const ACCESS_COLLECTIONS = new Set([
  'roles',
  'role_grants',
  'groups',
  'group_members',
  'shares',
  'substitutions',
  'registers',
  'operators',
  'api_tokens',
]);

/**
 * A principal is kept this long at most, so a change made by another process (the CLI granting a
 * role while the API serves) is seen within a second; changes made through this CRM are seen at once.
 */
const PRINCIPAL_TTL_MS = 1_000;
const MAX_CACHED_TOKENS = 10_000;

/** Resolved less than PRINCIPAL_TTL_MS ago by the real clock and by the CRM's. */
const fresh = (at: number, clockAt: number, now: Date) =>
  performance.now() - at < PRINCIPAL_TTL_MS && now.getTime() - clockAt < PRINCIPAL_TTL_MS && now.getTime() >= clockAt;

/**
 * Resolves and caches principals for one `createCrm`: every `crm.as(id)` context of it shares
 * the cache, and any write to an access collection through any of them clears it.
 */
export class AccessEngine {
  private epoch = 0;
  private readonly cache = new Map<string, { epoch: number; at: number; principal: Promise<Principal> }>();
  private readonly tokens = new Map<string, { epoch: number; at: number; clockAt: number; operator: Promise<Operator | null> }>();

  constructor(
    private readonly clock: Clock,
    /** Roles of an operator granted none (decision 0101; `createCrm({ access: { defaultRoles } })`). */
    private readonly defaultRoles?: readonly string[],
  ) {}

  /** Forgets every resolved principal (an access record changed). */
  invalidate(): void {
    this.epoch += 1;
    this.cache.clear();
    this.tokens.clear();
  }

  /**
   * The operator an API token (by its hash) authenticates, from `resolve` unless a fresh answer
   * is cached. Kept as long as a principal, by the real and by the CRM's clock (a token's "last
   * used" follows the latter): a write to `api_tokens` or `operators` through this CRM (revoking,
   * deactivating) clears it at once, another process's within a second. The clock is read once
   * either way, and `resolve` gets that instant.
   */
  tokenOperator(tokenHash: string, resolve: (now: Date) => Promise<Operator | null>): Promise<Operator | null> {
    const now = this.clock.now();
    const cached = this.tokens.get(tokenHash);
    if (cached && cached.epoch === this.epoch && fresh(cached.at, cached.clockAt, now)) return cached.operator;
    // A flood of made-up tokens must not grow the cache without bound.
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.tokens.clear();
    const entry = { epoch: this.epoch, at: performance.now(), clockAt: now.getTime(), operator: resolve(now) };
    this.tokens.set(tokenHash, entry);
    entry.operator.catch(() => this.tokens.get(tokenHash) === entry && this.tokens.delete(tokenHash));
    return entry.operator;
  }

  /** The operator's principal, resolved through `store` unless a fresh one is cached. */
  principal(store: Parameters<typeof resolvePrincipal>[0], operatorId: string): Promise<Principal> {
    const cached = this.cache.get(operatorId);
    if (cached && cached.epoch === this.epoch && performance.now() - cached.at < PRINCIPAL_TTL_MS) {
      return cached.principal.then((p) => (Number.isFinite(p.expiresAt) && this.clock.now().getTime() >= p.expiresAt ? this.resolve(store, operatorId) : p));
    }
    return this.resolve(store, operatorId);
  }

  private resolve(store: Parameters<typeof resolvePrincipal>[0], operatorId: string): Promise<Principal> {
    const entry = { epoch: this.epoch, at: performance.now(), principal: resolvePrincipal(store, operatorId, this.clock, this.defaultRoles) };
    this.cache.set(operatorId, entry);
    entry.principal.catch(() => this.cache.get(operatorId) === entry && this.cache.delete(operatorId));
    return entry.principal;
  }
}

/** The filter of records of a governed collection the principal may act on; undefined = all. */
export function collectionFilter(p: Principal, collection: string, action: AccessAction): Filter | undefined {
  const governed = GOVERNED[collection];
  if (!governed) return undefined;
  return perPrincipal(p, `${collection}:${action}`, () => ruleFilter(p, governed.kind, action, governed.fields));
}

/** True when the principal may act on this record of a governed collection. */
export function allows(p: Principal, collection: string, action: AccessAction, record: StoredRecord): boolean {
  const filter = perPrincipal(p, `normal:${collection}:${action}`, () => {
    const rule = collectionFilter(p, collection, action);
    return rule && normalizeFilter(rule);
  });
  return (
    filter === undefined ||
    matches(
      record as unknown as Record<string, unknown>,
      filter,
      [],
      perPrincipal(p, 'grants', () => principalGrants(p)),
    )
  );
}

/** How a record is named in a FORBIDDEN message: its number or code, else its id. */
function label(record: Record<string, unknown>): string {
  for (const field of ['number', 'code', 'name']) if (typeof record[field] === 'string') return String(record[field]);
  return String(record.id);
}

/** FORBIDDEN naming the operator, the action, the record and the rule that decided. */
export function forbidden(p: Principal, collection: string, action: AccessAction, record: StoredRecord): RapportError {
  const kind = GOVERNED[collection]?.kind ?? collection;
  const who = p.operator ? p.operator.email : p.operatorId;
  const { role, scope } = grantingRole(p, kind, action);
  const rule =
    p.operator?.active === false
      ? `operator ${who} is deactivated`
      : role
        ? `role ${role} grants ${kind}.${action} scope ${scope}`
        : `no role grants ${kind}.${action}`;
  return new RapportError('FORBIDDEN', `operator ${who} may not ${action} ${kind} ${label(record as unknown as Record<string, unknown>)}: ${rule}`, {
    details: { action, kind, recordId: record.id },
  });
}
