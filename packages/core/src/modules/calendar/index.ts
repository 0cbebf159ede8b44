import type { Context } from '../../context.js';
import { calendarGrid, type CalendarGrid, type GridQuery } from './grid.js';
import { calendarRange, type CalendarQuery, type CalendarRange } from './range.js';
import { feedsApi } from './feeds.js';

export { CALENDAR_FIELDS } from './range.js';
export type { CalendarField, CalendarItem, CalendarQuery, CalendarRange } from './range.js';
export { GRID_VIEWS } from './grid.js';
export type { FeedInput, FeedBody } from './feeds.js';
export type { CalendarDay, CalendarGrid, GridQuery, GridView } from './grid.js';

/** Calendars per operator, group or register, from the registered tasks and their stages. */
export function calendarModule(ctx: Context) {
  return {
    /** Tasks and stages in [from, to) placed by planned start and due date, in their register's colour. */
    range(query: CalendarQuery): Promise<CalendarRange> {
      return calendarRange(ctx, query);
    },
    /** A day, week or month grid in a time zone: days (cells) with the items overlapping each. */
    grid(query: GridQuery): Promise<CalendarGrid> {
      return calendarGrid(ctx, query);
    },
    /** Secret, revocable iCalendar feed URLs that Outlook and Thunderbird subscribe to. */
    feeds: feedsApi(ctx),
  };
}
