import { invalid } from '../../errors.js';

/** A calendar day in a time zone, as `YYYY-MM-DD`. */
export type DayKey = string;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Checks an IANA time zone name (`Europe/Warsaw`) against the runtime's zone database. */
export function checkTimeZone(field: string, timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone === '') throw invalid(field, 'must be an IANA time zone name such as Europe/Warsaw', timeZone);
  try {
    formatter(timeZone);
  } catch {
    throw invalid(field, 'is not a time zone this runtime knows (use an IANA name such as Europe/Warsaw)', timeZone);
  }
  return timeZone;
}

/** The wall-clock parts of an instant in a zone. */
export function wallClock(at: Date, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** Milliseconds the zone is ahead of UTC at an instant. */
function offsetAt(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** The day an instant falls on in a zone. */
export function dayOf(at: Date, timeZone: string): DayKey {
  const w = wallClock(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The instant a day starts in a zone (the first instant whose wall clock is on that day, DST included). */
export function startOfDay(day: DayKey, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d);
  // Two passes settle the offset across a DST change; midnight skipped by DST lands on 01:00.
  let guess = naive - offsetAt(new Date(naive), timeZone);
  guess = naive - offsetAt(new Date(guess), timeZone);
  if (dayOf(new Date(guess), timeZone) !== day) guess += 3_600_000;
  return new Date(guess);
}

/** The day `n` days after `day` (calendar arithmetic, no zone involved). */
export function addDays(day: DayKey, n: number): DayKey {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Day of the week, 0 = Sunday … 6 = Saturday. */
export function weekday(day: DayKey): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Checks a `YYYY-MM-DD` day, or takes the day of a Date in the zone. */
export function checkDay(field: string, value: unknown, timeZone: string): DayKey {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return dayOf(value, timeZone);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value) return value;
  throw invalid(field, 'must be a day as YYYY-MM-DD or a Date', value);
}

const pad = (n: number) => String(n).padStart(2, '0');
