import type { Store } from '../../store/store.js';

/** The store under a scoped one: what `unit.system` writes side effects through. */
export const UNSCOPED = Symbol('rapport.unscoped');

/** The store beneath the operator's rules (itself when it has none). */
export const unscoped = (store: Store): Store => (store as Store & { [UNSCOPED]?: Store })[UNSCOPED] ?? store;
