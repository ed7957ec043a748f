// What the room's panels share: the lots a round runs over, the bids still
// in (not rejected by the review), and the action function's type.
import type { RoomView, Lot } from '../../lib/room';

export type Act = (action: Record<string, unknown>, label: string) => string;
export type Busy = (label: string) => boolean;

/** The lots evaluated apart (per-lot rooms), else the tender as lot 0. */
export function roomLots(r: RoomView): Lot[] {
  if (r.perLot) return r.lots;
  return r.lots.length ? [{ ...r.lots[0], lot: 0 }] : [];
}

/** The review's rejections: lot → bid label → ground (once the review closed). */
export function rejections(r: RoomView): Record<number, Record<string, string>> {
  const out: Record<number, Record<string, string>> = {};
  for (const [lot, bids] of Object.entries(r.out)) out[Number(lot)] = { ...bids };
  const review = r.closedRounds.find((c) => c.round === 'review');
  for (const l of (review?.summary ?? []) as { lot: number; bids: Record<string, { rejected: { ground: string } | null }> }[]) {
    for (const [label, v] of Object.entries(l.bids ?? {})) {
      if (v?.rejected) (out[l.lot] ??= {})[label] = v.rejected.ground;
    }
  }
  return out;
}

export function bidTitle(r: RoomView, label: string): string {
  const b = r.bids.find((x) => x.label === label);
  return b?.bidder ? `${label} · ${b.bidder}` : label;
}
