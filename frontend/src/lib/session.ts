// The portal's one sign-in. The bearer token from POST /auth/login (or
// /auth/mtls) is kept in this tab's sessionStorage — never the private key,
// which stays in the sign-in form's memory while it signs and is then
// dropped. Every page reads `session`; it ends by sign-out, by expiry (a
// timer, and any 401 on a call made with it) or when the tab closes.
import { reactive } from 'vue';

export interface Principal {
  user_id: string | null; name: string; roles: string[]; league: string | null; organisation: string | null;
}
export interface SessionInfo {
  id: string; profile: string; cert_subject: string; cert_sha256: string; method: string;
  created_at: string; expires_at: string;
}
/** `session` is null for an API token (`ggzy users add` prints one; a
 *  platform operator, of no league, signs in with it): no certificate
 *  session, no expiry the page knows. */
export interface LoginResult { token: string; session: SessionInfo | null; principal: Principal }

const KEY = 'ggzy.session';

interface State {
  token: string | null;
  principal: Principal | null;
  info: SessionInfo | null;
  /** Set when the session ended by itself (expiry, revocation), for the page to say so. */
  endedByServer: boolean;
}

let timer: ReturnType<typeof setTimeout> | undefined;

export const session = reactive({
  token: null,
  principal: null,
  info: null,
  endedByServer: false,
  get signedIn(): boolean { return this.token !== null; },
  has(role: string): boolean { return this.principal?.roles.includes(role) ?? false; },
  start(r: LoginResult): void {
    this.token = r.token; this.principal = r.principal; this.info = r.session; this.endedByServer = false;
    try { sessionStorage.setItem(KEY, JSON.stringify(r)); } catch { /* storage may be off */ }
    arm();
  },
  clear(): void {
    this.token = null; this.principal = null; this.info = null;
    try { sessionStorage.removeItem(KEY); } catch { /* storage may be off */ }
    if (timer) clearTimeout(timer);
  },
  /** The server no longer takes the token (expired or revoked). */
  expired(): void { this.clear(); this.endedByServer = true; },
} as State & {
  readonly signedIn: boolean; has(role: string): boolean; start(r: LoginResult): void; clear(): void; expired(): void;
});

function arm(): void {
  if (timer) clearTimeout(timer);
  if (!session.info) return;
  const left = new Date(session.info.expires_at).getTime() - Date.now();
  if (left <= 0) { session.expired(); return; }
  // setTimeout's limit is 2^31-1 ms; sessions are far shorter.
  timer = setTimeout(() => session.expired(), Math.min(left, 2 ** 31 - 1));
}

try {
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    const r = JSON.parse(saved) as LoginResult;
    if (r?.token && (!r.session || new Date(r.session.expires_at).getTime() > Date.now())) {
      session.token = r.token; session.principal = r.principal; session.info = r.session;
      arm();
    } else sessionStorage.removeItem(KEY);
  }
} catch { /* storage may be off or hold junk */ }
