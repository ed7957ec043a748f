// Room actions sent with ids of the page's choosing: an action is kept until
// the room acknowledges it, sent again with the same id after a reconnect
// (the room applies an id once: a double click or a resend scores once),
// and its refusal is handed back with the room's code and reason.
import { reactive } from 'vue';
import type { LiveChannel } from './live';

export interface Pending { id: string; action: Record<string, unknown>; sentAt: number; label: string }
export interface Refusal { id: string; code: string; message: string; reason?: string; params?: Record<string, unknown>; label: string; at: number }

export class Outbox {
  readonly pending: Record<string, Pending> = reactive({});
  readonly refusals: Refusal[] = reactive([]);
  private channel: LiveChannel<any> | null = null;

  attach(channel: LiveChannel<any>): void { this.channel = channel; }

  /** Sends an action; `label` names what it is for the page (a cell, a button). */
  send(action: Record<string, unknown>, label: string): string {
    const busy = Object.values(this.pending).find((p) => p.label === label);
    if (busy) return busy.id; // one at a time per control: a double click sends once
    const id = crypto.randomUUID();
    this.pending[id] = { id, action: { ...action, id }, sentAt: Date.now(), label };
    this.channel?.send(this.pending[id].action);
    return id;
  }

  busy(label: string): boolean { return Object.values(this.pending).some((p) => p.label === label); }

  /** After a reconnect: everything not yet acknowledged, again, with its id. */
  resend(): void {
    for (const p of Object.values(this.pending)) this.channel?.send(p.action);
  }

  /** A message from the room that is not an event: an ack or an error. */
  onMessage(msg: Record<string, unknown>): void {
    const id = typeof msg.id === 'string' ? msg.id : null;
    if (!id || !this.pending[id]) return;
    const p = this.pending[id];
    delete this.pending[id];
    if (msg.type === 'error') {
      this.refusals.unshift({
        id, label: p.label, at: Date.now(), code: String(msg.code ?? 'server'), message: String(msg.message ?? ''),
        reason: typeof msg.reason === 'string' ? msg.reason : undefined,
        params: (msg.params as Record<string, unknown>) ?? undefined,
      });
      if (this.refusals.length > 20) this.refusals.length = 20;
    }
  }
}
