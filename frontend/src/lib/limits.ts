// The legal time limits as the drafting pages show them while a date is
// typed: the table the server enforces (`GET /api/v1/time-limits`, one row
// per category and method, each period with its unit and its article) and
// the working-day calendar (`GET /api/v1/calendar/{year}`: holidays and
// make-up working days as data). The earliest dates are computed here the
// way `src/tenders/limits.rs` and `src/calendar` compute them: a period in
// calendar days ends that many days after its start, to the second; one in
// working days ends at 24:00 Beijing time of the n-th working day after the
// start's Beijing date. The server decides in the end (publication and
// amendments are refused with the same figures); the page only says early.
import { get } from './api';

export type DayUnit = 'calendar_days' | 'working_days';
export interface Period { days: number; unit: DayUnit; basis: string }
export interface Limits {
  documents_to_deadline: Period;
  amendment_before_deadline: Period;
  clarification_before_deadline: Period;
  publicity: Period;
  basis: string;
  minimum_bids?: { rule: string; bids?: number };
}
export interface LimitRow { category: string; method: string; limits: Limits }

let table: Promise<LimitRow[]> | null = null;
/** The server's table, read once per page load. */
export function loadLimits(): Promise<LimitRow[]> {
  if (!table) table = get<LimitRow[]>('/api/v1/time-limits', { auth: false }).catch((e) => { table = null; throw e; });
  return table;
}

export function limitsFor(rows: LimitRow[], category: string, method: string): Limits | null {
  return rows.find((r) => r.category === category && r.method === method)?.limits ?? null;
}

/** The methods a category may use, in the server's order. */
export function methodsOf(rows: LimitRow[], category: string): string[] {
  return rows.filter((r) => r.category === category).map((r) => r.method);
}

// ---- the working-day calendar ----

interface Day { date: string; kind: 'holiday' | 'workday' }
const years = new Map<number, Promise<Map<string, Day['kind']> | null>>();

/** A year's listed days (null: the platform holds no calendar for that year). */
function year(y: number): Promise<Map<string, Day['kind']> | null> {
  let p = years.get(y);
  if (!p) {
    p = get<{ days: Day[] }>('/api/v1/calendar/' + y, { auth: false })
      .then((v) => new Map(v.days.map((d) => [d.date, d.kind])))
      .catch((e) => { if (e?.status === 404) return null; years.delete(y); throw e; });
    years.set(y, p);
  }
  return p;
}

const BEIJING_MS = 8 * 3600 * 1000;
const DAY_MS = 86400 * 1000;

/** The Beijing calendar date of an instant, as days since 1970-01-01. */
function beijingDay(at: Date): number { return Math.floor((at.getTime() + BEIJING_MS) / DAY_MS); }
function isoDay(day: number): string { return new Date(day * DAY_MS).toISOString().slice(0, 10); }

/** Whether a day (days since the epoch) is worked; null where the calendar has no year. */
async function working(day: number): Promise<boolean | null> {
  const iso = isoDay(day);
  const listed = await year(Number(iso.slice(0, 4)));
  if (!listed) return null;
  const kind = listed.get(iso);
  if (kind) return kind === 'workday';
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * The earliest end of `period` started at `from` (null when a working-day
 * period runs into a year the calendar does not hold, as the server refuses
 * it). Calendar days: `from` plus the days. Working days: the end (24:00
 * Beijing) of the n-th working day after `from`'s Beijing date.
 */
export async function periodEnd(period: Period, from: Date): Promise<Date | null> {
  if (period.unit === 'calendar_days') return new Date(from.getTime() + period.days * DAY_MS);
  let day = beijingDay(from);
  for (let left = period.days; left > 0;) {
    day += 1;
    const w = await working(day);
    if (w === null) return null;
    if (w) left -= 1;
  }
  return new Date((day + 1) * DAY_MS - BEIJING_MS);
}

// ---- Beijing wall-clock time in a form ----

/** `2026-12-28T09:00` typed as Beijing time, as an instant (null when not a time). */
export function fromBeijingInput(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const t = Date.UTC(+y, +mo - 1, +d, +h, +mi, s ? +s : 0) - BEIJING_MS;
  const back = new Date(t + BEIJING_MS);
  // 2026-02-31 and the like are not dates.
  if (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d) return null;
  return new Date(t);
}

/** An instant as a `datetime-local` value in Beijing time (minutes). */
export function toBeijingInput(at: Date | string | null | undefined): string {
  if (!at) return '';
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 16);
}
