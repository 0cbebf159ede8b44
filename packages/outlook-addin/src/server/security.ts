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
