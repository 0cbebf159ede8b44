import { invalid } from '../../errors.js';
import type { DateRange, RelativeDate } from './types.js';

/**
 * Calendar arithmetic in a time zone with Intl alone: "today" for an operator in Warsaw starts
 * at 23:00 or 22:00 UTC, and a week starts on Monday (as in Poland and Romania).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Checks an IANA time zone name (`Europe/Warsaw`, `UTC`). */
export function checkTimeZone(field: string, timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone === '') throw invalid(field, 'must be an IANA time zone such as Europe/Warsaw', timeZone);
  try {
    formatter(timeZone);
  } catch {
    throw invalid(field, 'is not a time zone this runtime knows', timeZone);
  }
  return timeZone;
}

/** The wall-clock date and time in the zone at an instant. */
function wallClock(at: Date, timeZone: string) {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), min: Number(parts.minute), s: Number(parts.second) };
}

/** Milliseconds the zone is ahead of UTC at an instant. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(new Date(at), timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(at / 1000) * 1000;
}

/** The instant the local day y-m-d (month and day may overflow) begins in the zone. */
function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetAt(guess, timeZone);
  const again = guess - offsetAt(t, timeZone);
  if (again !== t) t = again; // the offset changed between the guess and the answer (a DST night)
  return new Date(t);
}

/** The instant a relative date names, `days` later (or earlier when negative). */
export function relativeDate(name: RelativeDate, now: Date, timeZone: string, days = 0): Date {
  if (name === 'now') return new Date(now.getTime() + days * 86_400_000);
  const { y, m, d } = wallClock(now, timeZone);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const day = {
    today: d,
    tomorrow: d + 1,
    yesterday: d - 1,
    weekStart: d - weekday,
    nextWeekStart: d - weekday + 7,
    monthStart: 1,
    nextMonthStart: 1,
  }[name];
  return localMidnight(y, name === 'nextMonthStart' ? m + 1 : m, day + days, timeZone);
}

/** [from, to) of a named range; either end is null for `past` and `future`. */
export function dateRange(range: DateRange, now: Date, timeZone: string): [Date | null, Date | null] {
  const at = (name: RelativeDate, days = 0) => relativeDate(name, now, timeZone, days);
  switch (range) {
    case 'today':
      return [at('today'), at('tomorrow')];
    case 'tomorrow':
      return [at('tomorrow'), at('tomorrow', 1)];
    case 'yesterday':
      return [at('yesterday'), at('today')];
    case 'thisWeek':
      return [at('weekStart'), at('nextWeekStart')];
    case 'nextWeek':
      return [at('nextWeekStart'), at('nextWeekStart', 7)];
    case 'lastWeek':
      return [at('weekStart', -7), at('weekStart')];
    case 'thisMonth':
      return [at('monthStart'), at('nextMonthStart')];
    case 'past':
      return [null, now];
    case 'future':
      return [now, null];
  }
}
