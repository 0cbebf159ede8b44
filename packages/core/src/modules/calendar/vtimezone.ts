import { wallClock } from './zone.js';

/** Milliseconds a zone is ahead of UTC at an instant. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(new Date(at), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const m = Math.abs(ms) / 60_000;
  return `${sign}${pad(Math.floor(m / 60))}${pad(m % 60)}`;
}

/** Local date-time text (`20260329T030000`) of an instant at a given offset. */
function localText(at: number, offset: number): string {
  const d = new Date(at + offset);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/**
 * A VTIMEZONE for [from, to) built from the runtime's zone database: one observance per offset
 * change found (explicit DTSTARTs, no RRULE), so a client needs no tz data of its own. The
 * transitions are found by scanning every 6 hours and narrowing each change to the minute.
 */
export function vtimezone(timeZone: string, from: Date, to: Date): string[] {
  const step = 6 * 3_600_000;
  const start = from.getTime() - 86_400_000;
  const end = to.getTime() + 86_400_000;
  let prev = offsetAt(start, timeZone);
  const initial = prev;
  const changes: Array<{ at: number; from: number; to: number }> = [];
  for (let t = start + step; t <= end; t += step) {
    const o = offsetAt(t, timeZone);
    if (o === prev) continue;
    let lo = t - step;
    let hi = t;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetAt(mid, timeZone) === prev) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi, from: prev, to: o });
    prev = o;
  }
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  const observance = (kind: string, at: number, fromOffset: number, toOffset: number) => [
    `BEGIN:${kind}`,
    `DTSTART:${localText(at, fromOffset)}`,
    `TZOFFSETFROM:${offsetText(fromOffset)}`,
    `TZOFFSETTO:${offsetText(toOffset)}`,
    `END:${kind}`,
  ];
  // The offset in force before the range starts, as a standard observance from 1970.
  lines.push(...observance('STANDARD', Date.UTC(1970, 0, 1) - initial, initial, initial));
  for (const c of changes) lines.push(...observance(c.to > c.from ? 'DAYLIGHT' : 'STANDARD', c.at, c.from, c.to));
  lines.push('END:VTIMEZONE');
  return lines;
}
