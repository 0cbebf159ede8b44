import type { HistoryView } from '../server/history.js';
import type { TrackResult } from '../server/track.js';

/** A notification as the API sends it (dates as ISO strings). */
export interface PaneNotification {
  id: string;
  kind: string;
  title: string;
  body: string | null;
  subjectType: string | null;
  subjectId: string | null;
  showAt: string;
  readAt: string | null;
}

export interface PaneCounts {
  unread: number;
  newTasks: number;
}

/** A view as GET /api/v1/views lists it. */
export interface PaneViewInfo {
  id: string;
  name: string;
  kind: string;
  builtin: boolean;
}

/** A row of a view run: column values by key (dates as ISO strings) and the style of the first matching rule. */
export interface PaneViewRow {
  id: string;
  values: Record<string, unknown>;
  style: { color?: string; background?: string; bold?: boolean; italic?: boolean; icon?: string } | null;
  rule: number | null;
}

/** One page of a view run as GET /api/v1/views/:id answers it; `now` is the server's clock. */
export interface PaneView {
  name: string;
  rows: PaneViewRow[];
  nextCursor: string | null;
  now: string;
}

/** An error the API answered with (or a network failure, code NETWORK). */
export class PaneApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** Milliseconds before a request counts as timed out (default 20 s). */
  timeoutMs?: number;
  /** The host's explanation of a network failure (certificate, refused, …), when it has one. */
  networkFailure?: (url: string) => Promise<string | null>;
}

/** The pane's client for the Rapport HTTP API. */
export function apiClient(serverUrl: string, token: string, options: ApiClientOptions = {}) {
  const base = serverUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 20_000;
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = `${base}${path}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        signal: controller.signal,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
      });
    } catch {
      if (controller.signal.aborted) throw new PaneApiError(0, 'TIMEOUT', `${base} did not answer within ${Math.round(timeoutMs / 1000)} s`);
      // Browsers hide why a fetch failed ("Failed to fetch"); a host may know (Thunderbird's webRequest).
      const why = (await options.networkFailure?.(url).catch(() => null)) ?? 'no connection (is the server running, and is its certificate trusted?)';
      throw new PaneApiError(0, 'NETWORK', `cannot reach ${base}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    if (!res.ok) throw new PaneApiError(res.status, body?.error?.code ?? 'HTTP', body?.error?.message ?? `HTTP ${res.status}`);
    return body as T;
  }
  const post = <T>(path: string) => call<T>(path, { method: 'POST' });
  return {
    me: () => call<{ operator: { id: string; name: string; email: string } }>('/api/v1/me'),
    history: (email: string, limit = 10) => call<HistoryView>(`/api/v1/history?email=${encodeURIComponent(email)}&limit=${limit}`),
    track: (rawBase64: string) =>
      call<TrackResult>('/api/v1/emails', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ raw: rawBase64 }) }),
    addPerson: (input: { email: string; name: string }) =>
      call<{ person: { id: string } }>('/api/v1/persons', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }),
    views: () => call<{ views: PaneViewInfo[] }>('/api/v1/views'),
    runView: (id: string, timeZone: string, limit = 200) =>
      call<PaneView>(`/api/v1/views/${encodeURIComponent(id)}?limit=${limit}&timeZone=${encodeURIComponent(timeZone)}`),
    notifications: (limit = 20) => call<{ items: PaneNotification[]; nextCursor: string | null } & PaneCounts>(`/api/v1/notifications?limit=${limit}`),
    markRead: (id: string) => post<PaneCounts>(`/api/v1/notifications/${encodeURIComponent(id)}/read`),
    markAllRead: () => post<PaneCounts>('/api/v1/notifications/read-all'),
    newTasks: () => call<{ items: Array<{ id: string; number: string; subject: string }>; newTasks: number }>('/api/v1/notifications/new-tasks'),
    tasksSeen: () => post<{ seenAt: string }>('/api/v1/notifications/new-tasks/seen'),
    /**
     * Reads the notification stream (SSE over fetch, since EventSource cannot send the bearer
     * token) until `signal` aborts or the connection ends; resolves then, rejects on an HTTP error.
     */
    async stream(onEvent: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
      const res = await fetch(`${base}/api/v1/notifications/stream`, { headers: { authorization: `Bearer ${token}` }, signal });
      if (!res.ok || !res.body) throw new PaneApiError(res.status, 'HTTP', `the notification stream answered HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = '';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (event) onEvent(event, JSON.parse(data || 'null'));
        }
      }
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
