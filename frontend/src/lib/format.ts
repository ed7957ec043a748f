// Dates, amounts and sizes as the pages show them. Every time is shown in
// Beijing time (Asia/Shanghai, UTC+8, no daylight saving) with the zone
// named, whatever the browser's own zone: a deadline is the same second for
// every bidder.
import { lang } from '../i18n';

const ZONE = 'Asia/Shanghai';

function parts(iso: string | Date): Record<string, string> | null {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return null;
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** 2026-12-06 19:48:05 北京时间 / 2026-12-06 19:48:05 Beijing time (UTC+8) */
export function dateTime(iso: string | Date | null | undefined, withSeconds = false): string {
  if (!iso) return '—';
  const p = parts(iso);
  if (!p) return String(iso);
  const time = withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time} ${zoneLabel()}`;
}

/** The date alone, in Beijing. */
export function date(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const p = parts(iso);
  return p ? `${p.year}-${p.month}-${p.day}` : String(iso);
}

export function zoneLabel(): string {
  return lang.value === 'zh' ? '北京时间' : 'Beijing time (UTC+8)';
}

/** Remaining time as "2 天 3 小时" / "2 d 3 h", down to seconds under a minute. */
export function remaining(ms: number): string {
  const zh = lang.value === 'zh';
  if (ms <= 0) return zh ? '已到期' : 'expired';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const unit = zh ? { d: ' 天', h: ' 小时', m: ' 分', s: ' 秒' } : { d: ' d', h: ' h', m: ' min', s: ' s' };
  const out: string[] = [];
  if (d) out.push(d + unit.d);
  if (h || d) out.push(h + unit.h);
  if (!d) out.push(m + unit.m);
  if (!d && !h) out.push(sec + unit.s);
  return out.join(' ');
}

/** An amount in fen (1/100 yuan), formatted with integer arithmetic only. */
export function money(fen: string | number | null | undefined, currency = 'CNY'): string {
  if (fen === null || fen === undefined || fen === '' || !Number.isFinite(Number(fen))) return '—';
  const n = Math.trunc(Number(fen));
  const abs = Math.abs(n);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100;
  const locale = lang.value === 'zh' ? 'zh-CN' : 'en-US';
  let parts: Intl.NumberFormatPart[];
  try {
    parts = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: 2, maximumFractionDigits: 2 }).formatToParts(yuan);
  } catch {
    parts = [{ type: 'currency', value: currency + ' ' }, ...new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }).formatToParts(yuan)];
  }
  const s = parts.map((p) => (p.type === 'fraction' ? String(cents).padStart(2, '0') : p.value)).join('');
  return n < 0 ? '-' + s : s;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
