import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where office.js comes from: the only foreign script origin a pane page may load. */
export const OFFICE_JS_ORIGIN = 'https://appsforoffice.microsoft.com';

// Outlook on the web shows the task pane in an iframe; desktop Outlook in a web view.
const OFFICE_FRAME_ANCESTORS = [
  "'self'",
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook.live.com',
  'https://*.outlook.com',
  'https://*.officeapps.live.com',
];

/** Headers every response carries. */
export const BASE_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * Strict-Transport-Security for HTTPS, except on loopback: a browser that pinned HSTS for
 * `localhost` would refuse every other plain-HTTP dev server there.
 */
export function hstsFor(https: boolean, host: string | undefined): string | null {
  return https && host && !LOOPBACK.test(host) ? 'max-age=31536000' : null;
}

/** CSP for API answers: nothing may run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * CSP for a pane page: no inline script, scripts from this server only, plus office.js for the
 * Outlook page. Styles from this server only; images may be data: URLs (icons).
 */
export function paneCsp(options: { officeJs: boolean }): string {
  return [
    "default-src 'none'",
    `script-src 'self'${options.officeJs ? ` ${OFFICE_JS_ORIGIN}` : ''}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    ...(options.officeJs ? [`frame-src ${OFFICE_JS_ORIGIN}`, `frame-ancestors ${OFFICE_FRAME_ANCESTORS.join(' ')}`] : ["frame-ancestors 'none'"]),
  ].join('; ');
}

/**
 * The onSend hook that gives a response the headers above, the API's CSP unless a page set its
 * own, HSTS over HTTPS, and `no-store` under /api/. A response that has them already (the hook
 * ran at the root and again in the plugin) is left as it is.
 */
export function securityHeaders(https: boolean) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    applySecurityHeaders(https, request, reply);
    return payload;
  };
}

/** Sets the headers of securityHeaders() on a reply, once; for answers no hook sees (the router's errors). */
export function applySecurityHeaders(https: boolean, request: FastifyRequest, reply: FastifyReply) {
  if (reply.hasHeader('x-content-type-options')) return;
  reply.headers(BASE_HEADERS);
  const hsts = hstsFor(https, request.headers.host);
  if (hsts) reply.header('strict-transport-security', hsts);
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
  if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
}
