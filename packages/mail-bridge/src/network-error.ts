/**
 * What kept a client from reaching a server, in words a person can act on: the name does not
 * resolve (DNS), nothing listens (connection refused), no answer in time, or another socket
 * error. Null when the error is not about reaching the server.
 */
export function unreachable(err: unknown, host: string, port: number): { kind: 'dns' | 'refused' | 'timeout' | 'network'; says: string } | null {
  const e = err as { code?: string; message?: string } | null;
  const text = `${e?.code ?? ''} ${e?.message ?? ''}`;
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|EDNS/.test(text))
    return { kind: 'dns', says: `the name ${host} does not resolve (DNS: ${/EAI_AGAIN/.test(text) ? 'EAI_AGAIN, no answer from the resolver' : 'ENOTFOUND'})` };
  if (/ECONNREFUSED/.test(text)) return { kind: 'refused', says: `${host} refused the connection on port ${port} (ECONNREFUSED: nothing listens there)` };
  if (/ETIMEDOUT|CONNECT_TIMEOUT|GREETING_TIMEOUT|timeout/i.test(text))
    return { kind: 'timeout', says: `${host}:${port} did not answer in time (${e?.code ?? 'timeout'})` };
  if (/EHOSTUNREACH|ENETUNREACH|ECONNRESET/.test(text))
    return { kind: 'network', says: `${host}:${port} cannot be reached (${/EHOSTUNREACH|ENETUNREACH|ECONNRESET/.exec(text)![0]})` };
  return null;
}
