import type { Context } from '../../context.js';
import { invalid } from '../../errors.js';
import * as v from '../../validate.js';
import { calendarRange, type CalendarItem, type CalendarQuery } from './range.js';
import { addDays, checkDay, checkTimeZone, dayOf, startOfDay, weekday, type DayKey } from './zone.js';

export const GRID_VIEWS = ['day', 'week', 'month'] as const;
export type GridView = (typeof GRID_VIEWS)[number];

export interface GridQuery extends Omit<CalendarQuery, 'from' | 'to'> {
  view: GridView;
  /** A day of the period to show (`YYYY-MM-DD` in `timeZone`, or a Date). */
  date: DayKey | Date;
  /** First day of a week row, 0 = Sunday … 6 = Saturday (default 1, Monday). */
  weekStartsOn?: number;
}

/** One cell of a grid: a day in the grid's zone and the items that overlap it. */
export interface CalendarDay {
  date: DayKey;
  /** When the day starts and ends in the grid's zone (23 or 25 hours long across a DST change). */
  start: Date;
  end: Date;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** False for the leading and trailing days of a month grid that belong to the months around it. */
  inPeriod: boolean;
  today: boolean;
  items: CalendarItem[];
}

export interface CalendarGrid {
  view: GridView;
  timeZone: string;
  from: Date;
  to: Date;
  days: CalendarDay[];
  /** The days by week row (one row for day and week views). */
  weeks: CalendarDay[][];
  truncated: boolean;
}

/** Day, week and month grids as data: the host draws the cells, core fills them. */
export async function calendarGrid(ctx: Context, query: GridQuery): Promise<CalendarGrid> {
  if (!query || typeof query !== 'object') throw invalid('calendar', 'must be an object with view and date', query);
  const view = v.oneOf('calendar.view', query.view, GRID_VIEWS);
  const timeZone = checkTimeZone('calendar.timeZone', query.timeZone ?? 'UTC');
  const day = checkDay('calendar.date', query.date, timeZone);
  const weekStartsOn = query.weekStartsOn === undefined ? 1 : v.integer('calendar.weekStartsOn', query.weekStartsOn, { min: 0 });
  if (weekStartsOn > 6) throw invalid('calendar.weekStartsOn', 'must be 0 (Sunday) to 6 (Saturday)', weekStartsOn);
  const weekStart = (d: DayKey) => addDays(d, -((weekday(d) - weekStartsOn + 7) % 7));

  let first: DayKey;
  let count: number;
  let inPeriod = (_d: DayKey) => true;
  if (view === 'day') [first, count] = [day, 1];
  else if (view === 'week') [first, count] = [weekStart(day), 7];
  else {
    const month = day.slice(0, 7);
    first = weekStart(`${month}-01`);
    const nextMonth = addDays(`${month}-28`, 4).slice(0, 7);
    const last = addDays(`${nextMonth}-01`, -1);
    count = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;
    count += (7 - (count % 7)) % 7;
    inPeriod = (d) => d.startsWith(month);
  }
  const keys = Array.from({ length: count }, (_, i) => addDays(first, i));
  const from = startOfDay(keys[0]!, timeZone);
  const to = startOfDay(addDays(keys.at(-1)!, 1), timeZone);
  const range = await calendarRange(ctx, { ...query, from, to, timeZone });
  const today = dayOf(ctx.clock.now(), timeZone);
  const days: CalendarDay[] = keys.map((date) => {
    const start = startOfDay(date, timeZone);
    const end = startOfDay(addDays(date, 1), timeZone);
    const items = range.items.filter((it) => it.start.getTime() < end.getTime() && it.end.getTime() >= start.getTime());
    return { date, start, end, weekday: weekday(date), inPeriod: inPeriod(date), today: date === today, items };
  });
  const weeks: CalendarDay[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  return { view, timeZone, from, to, days, weeks, truncated: range.truncated };
}
