import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';

/** Whether any active event rule and any record watch exist. */
export interface RulesPresent {
  rules: boolean;
  watches: boolean;
}

/** As long as a principal is kept (decision 0156): another process's new rule is seen within a second. */
const TTL_MS = 1_000;

/**
 * Remembers, per store, whether there is any active event rule or any watch at all, so a unit
 * of work on a CRM that uses neither plans its notifications without reading either table
 * (decision 0106). Writes through `crm.rules` and `notifications.watch` in this process clear it
 * at once (`Unit.rulesChanged`); another process's are seen once it is a second old by the real
 * clock or by the CRM's.
 */
export class RulePresence {
  private epoch = 0;
  private cached: { epoch: number; at: number; clockAt: number; value: Promise<RulesPresent> } | undefined;

  /** Forgets the answer: a rule or watch was written (or its unit ended). */
  clear(): void {
    this.epoch += 1;
    this.cached = undefined;
  }

  /** The answer, read through `store` (the unit's transaction) unless a fresh one is kept. */
  get(store: Store, now: Date): Promise<RulesPresent> {
    const c = this.cached;
    if (c && c.epoch === this.epoch && performance.now() - c.at < TTL_MS && now.getTime() >= c.clockAt && now.getTime() - c.clockAt < TTL_MS) return c.value;
    // A clear() while the read runs moves the epoch on, so its answer is never reused.
    const entry = { epoch: this.epoch, at: performance.now(), clockAt: now.getTime(), value: read(store) };
    this.cached = entry;
    entry.value.catch(() => this.cached === entry && (this.cached = undefined));
    return entry.value;
  }
}

async function read(store: Store): Promise<RulesPresent> {
  const rules = await store.find('notification_rules', { where: where.and(where.eq('kind', 'event'), where.eq('active', true)), limit: 1 });
  const watches = await store.find('record_watches', { limit: 1 });
  return { rules: rules.items.length > 0, watches: watches.items.length > 0 };
}

const byStore = new WeakMap<Store, RulePresence>();

/** The presence kept for a store: every CRM of this process over the same store object shares it. */
export function rulePresence(store: Store): RulePresence {
  let p = byStore.get(store);
  if (!p) byStore.set(store, (p = new RulePresence()));
  return p;
}
