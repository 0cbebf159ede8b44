import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A dependency loaded at its first use rather than with core. libphonenumber-js (its metadata),
 * liquidjs and croner take ~10–140 ms to load, and most processes (a CLI command, a worker that
 * sends no message) never call them. Synchronous, so the functions using them keep their signatures.
 */
export function lazy<T>(id: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(id) as T);
}
