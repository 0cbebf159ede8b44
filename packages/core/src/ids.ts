import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** A new sortable, unique id (ULID: 26 characters, time-ordered, monotonic within a process). */
export function newId(now: number = Date.now()): string {
  return next(now);
}
