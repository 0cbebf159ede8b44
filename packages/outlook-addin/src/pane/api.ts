import type { HistoryView } from '../server/history.js';
import type { TrackResult } from '../server/track.js';

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
  return {
    me: () => call<{ operator: { id: string; name: string; email: string } }>('/api/v1/me'),
    history: (email: string, limit = 10) => call<HistoryView>(`/api/v1/history?email=${encodeURIComponent(email)}&limit=${limit}`),
    track: (rawBase64: string) =>
      call<TrackResult>('/api/v1/emails', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ raw: rawBase64 }) }),
    addPerson: (input: { email: string; name: string }) =>
      call<{ person: { id: string } }>('/api/v1/persons', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
