import { nearestCssColor } from './css-colors.js';
import type { CalendarItem } from './range.js';
import { vtimezone } from './vtimezone.js';
import { wallClock } from './zone.js';

export interface IcalOptions {
  /** The calendar's name in the client (X-WR-CALNAME, NAME). */
  name: string;
  /** Tasks as VEVENTs from start to due (what Outlook shows), or as VTODOs with DUE (task lists). */
  tasksAs: 'event' | 'todo';
  /** The instant written as DTSTAMP. */
  now: Date;
  /** How often a client should poll, in minutes (REFRESH-INTERVAL). */
  refreshMinutes?: number;
}

/** An event placed at one instant lasts this long in clients (DTEND must follow DTSTART). */
const POINT_MINUTES = 30;

/** Text value escaping of RFC 5545 §3.3.11. */
export function icalText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1). */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return `${line}\r\n`;
  let out = '';
  let current = '';
  let size = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > limit) {
      out += `${current}\r\n `;
      current = '';
      size = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    size += n;
  }
  return `${out}${current}\r\n`;
}

const pad = (n: number) => String(n).padStart(2, '0');

function utcText(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** `NAME:value` in UTC, or `NAME;TZID=zone:local` in the feed's zone. */
function dateProp(name: string, d: Date, timeZone: string): string {
  if (timeZone === 'UTC') return `${name}:${utcText(d)}`;
  const w = wallClock(d, timeZone);
  return `${name};TZID=${timeZone}:${w.year}${pad(w.month)}${pad(w.day)}T${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

const TODO_STATUS: Record<string, string> = { open: 'NEEDS-ACTION', in_progress: 'IN-PROCESS', done: 'COMPLETED', cancelled: 'CANCELLED' };
const EVENT_STATUS: Record<string, string> = { open: 'CONFIRMED', in_progress: 'CONFIRMED', done: 'CONFIRMED', cancelled: 'CANCELLED' };
// iCalendar PRIORITY: 1 highest … 9 lowest, 0 undefined.
const PRIORITY: Record<string, number> = { urgent: 1, high: 3, normal: 5, low: 9 };

function component(item: CalendarItem, options: IcalOptions, timeZone: string, dtstamp: string): string[] {
  const todo = item.kind === 'task' && options.tasksAs === 'todo';
  const kind = todo ? 'VTODO' : 'VEVENT';
  const lines = [`BEGIN:${kind}`, `UID:${item.uid}@rapport`, `DTSTAMP:${dtstamp}`, `SUMMARY:${icalText(item.title)}`];
  if (todo) {
    // A task placed at one instant is due then; DUE must follow a DTSTART, so none is written.
    if (item.end.getTime() > item.start.getTime()) lines.push(dateProp('DTSTART', item.start, timeZone));
    lines.push(dateProp('DUE', item.end, timeZone));
    lines.push(`STATUS:${TODO_STATUS[item.status] ?? 'NEEDS-ACTION'}`);
  } else {
    const end = item.end.getTime() > item.start.getTime() ? item.end : new Date(item.start.getTime() + POINT_MINUTES * 60_000);
    lines.push(dateProp('DTSTART', item.start, timeZone), dateProp('DTEND', end, timeZone));
    lines.push(`STATUS:${item.kind === 'stage' ? 'CONFIRMED' : (EVENT_STATUS[item.status] ?? 'CONFIRMED')}`);
    lines.push('TRANSP:TRANSPARENT');
  }
  lines.push(`PRIORITY:${PRIORITY[item.priority] ?? 0}`);
  const categories = [item.registerName, item.kind === 'stage' ? 'Stage' : 'Task', ...(item.overdue ? ['Overdue'] : [])].filter(Boolean);
  lines.push(`CATEGORIES:${categories.map(icalText).join(',')}`);
  const css = nearestCssColor(item.color);
  if (css) lines.push(`COLOR:${css}`);
  lines.push(`X-RAPPORT-COLOR:${icalText(item.color)}`);
  const description = Object.entries(item.fields)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  if (description) lines.push(`DESCRIPTION:${icalText(description)}`);
  lines.push(`END:${kind}`);
  return lines;
}

/** What the calendar header needs: the zone its times are written in and the window its VTIMEZONE covers. */
export interface IcalWindow {
  timeZone: string;
  from: Date;
  to: Date;
}

/**
 * Calendar items as iCalendar text (RFC 5545, COLOR from RFC 7986), chunk by chunk so a server
 * can stream it: the header and VTIMEZONE first, before any item is read, then a chunk per page
 * of items as the pages arrive.
 */
export async function* icalChunks(
  window: IcalWindow,
  pages: AsyncIterable<CalendarItem[]> | Iterable<CalendarItem[]>,
  options: IcalOptions,
): AsyncGenerator<string> {
  const zone = window.timeZone;
  const head = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Rapport//CRM calendar//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${icalText(options.name)}`,
    `X-WR-CALNAME:${icalText(options.name)}`,
    `X-WR-TIMEZONE:${zone}`,
    `REFRESH-INTERVAL;VALUE=DURATION:PT${options.refreshMinutes ?? 15}M`,
    `X-PUBLISHED-TTL:PT${options.refreshMinutes ?? 15}M`,
    ...(zone === 'UTC' ? [] : vtimezone(zone, window.from, window.to)),
  ];
  yield head.map(foldLine).join('');
  const dtstamp = utcText(options.now);
  for await (const items of pages) {
    let chunk = '';
    for (const item of items) chunk += component(item, options, zone, dtstamp).map(foldLine).join('');
    if (chunk) yield chunk;
  }
  yield foldLine('END:VCALENDAR');
}
