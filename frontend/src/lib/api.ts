// The API as the pages call it. A refusal becomes an ApiProblem carrying the
// RFC 9457 problem (code, title, detail, and where the server gives them a
// `reason` and `params`) so the page can say it in the user's language.
import { session } from './session';

export interface FieldError { field: string; message: string; rule?: string; params?: Record<string, unknown> }
export interface Problem {
  type?: string; title?: string; status: number; detail?: string; code: string;
  reason?: string; params?: Record<string, unknown>; errors?: FieldError[];
}

export class ApiProblem extends Error {
  constructor(public problem: Problem) { super(problem.detail || problem.title || problem.code); }
  get status(): number { return this.problem.status; }
  get code(): string { return this.problem.code; }
}

export interface CallOptions {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  accept?: string;
  /** Send the signed-in user's token (default: when signed in). */
  auth?: boolean;
  token?: string;
  signal?: AbortSignal;
}

export async function call(method: string, path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: o.accept ?? 'application/json', ...(o.headers ?? {}) };
  const token = o.token ?? (o.auth === false ? undefined : session.token ?? undefined);
  if (token) headers.Authorization = 'Bearer ' + token;
  let body = o.body;
  if (o.json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(o.json); }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: o.signal });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiProblem({ status: 0, code: 'network' });
  }
  if (!res.ok) {
    let problem: Partial<Problem> = {};
    try { problem = await res.json(); } catch { /* not JSON */ }
    if (res.status === 401 && token && token === session.token) session.expired();
    throw new ApiProblem({ ...problem, status: res.status, code: problem.code ?? `http-${res.status}` });
  }
  return res;
}

export async function get<T = unknown>(path: string, o: CallOptions = {}): Promise<T> {
  const res = await call('GET', path, o);
  return (await res.json()) as T;
}

export async function post<T = unknown>(path: string, json?: unknown, o: CallOptions = {}): Promise<T> {
  const res = await call('POST', path, { ...o, json });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export async function put<T = unknown>(path: string, json?: unknown, o: CallOptions = {}): Promise<T> {
  const res = await call('PUT', path, { ...o, json });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export async function del(path: string, o: CallOptions = {}): Promise<void> {
  await call('DELETE', path, o);
}

/** A page of a listing: `{ items, total, page, per_page }`. */
export interface Page<T> { items: T[]; total?: number; page?: number; per_page?: number }

export const enc = encodeURIComponent;
