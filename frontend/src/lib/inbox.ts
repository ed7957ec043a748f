// The signed-in user's unread messages, for the header's badge: asked on
// sign-in, on each page change (at most every 10 s) and every 60 s while the
// tab is looked at; the inbox pages set it from their own answers.
import { ref, watch } from 'vue';
import { get } from './api';
import { session } from './session';

export interface InboxItem {
  id: string; kind: string; tender_id: string | null; subject: string; created_at: string;
  read_at: string | null; link: string | null; email: string | null;
}
export interface Attachment { n: number; filename: string; media_type: string; size: number; href: string }
export interface InboxMessage extends InboxItem { body_text: string; body_html: string; attachments: Attachment[]; message_id: string | null }

export const unread = ref<number | null>(null);

let askedAt = 0;
export async function refreshUnread(force = false): Promise<void> {
  if (!session.signedIn) { unread.value = null; return; }
  if (!force && Date.now() - askedAt < 10_000) return;
  askedAt = Date.now();
  try {
    unread.value = (await get<{ unread: number }>('/api/v1/me/notifications/unread-count')).unread;
  } catch { /* a 401 ends the session in api.ts; the badge waits for the next try */ }
}

let timer: ReturnType<typeof setInterval> | null = null;
export function startUnreadPolling(): () => void {
  const stop = watch(() => session.token, () => { askedAt = 0; void refreshUnread(true); }, { immediate: true });
  timer = setInterval(() => { if (document.visibilityState === 'visible') void refreshUnread(true); }, 60_000);
  return () => { stop(); if (timer) clearInterval(timer); timer = null; };
}

/** The portal path of a message's link (`/#/tenders/…` → `/tenders/…`), or null. */
export function routeOf(link: string | null): string | null {
  if (!link) return null;
  const m = /^\/?#(\/[^\s]*)$/.exec(link);
  return m ? m[1] : null;
}
