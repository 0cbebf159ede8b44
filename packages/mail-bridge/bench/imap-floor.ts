import { Readable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import { ParsePool } from '../src/parse-pool.js';
import { parseMessage } from '../src/parse.js';

export interface Conn {
  host: string;
  port: number;
  user: string;
  password: string;
}

export async function imapClient(c: Conn): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: c.host,
    port: c.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: c.user, pass: c.password },
    logger: false,
  } as never);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Equal work to ImapSync minus the CRM: the same batches of UIDs, the same parse worker
 * arrangement (messages posted as they arrive, parsed off the main thread, the rest parsed on
 * it with the product's parseMessage), the fetch of the next group overlapping the current one.
 */
export async function fetchAndParse(c: Conn, mailbox: string, pool = new ParsePool()): Promise<number> {
  const client = await imapClient(c);
  const lock = await client.getMailboxLock(mailbox, { readOnly: true });
  let n = 0;
  try {
    const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
    const fetchGroup = async (group: number[]) => {
      const out: Array<{ raw: Buffer; parsed: ReturnType<ParsePool['parse']> }> = [];
      for await (const m of client.fetch(group.join(','), { uid: true, source: true }, { uid: true }))
        if (m.source) out.push({ raw: m.source, parsed: pool.parse(m.source) });
      return out;
    };
    let next = uids.length ? fetchGroup(uids.slice(0, 200)) : null;
    for (let i = 0; i < uids.length; i += 200) {
      const items = await next!;
      next = i + 200 < uids.length ? fetchGroup(uids.slice(i + 200, i + 400)) : null;
      for (const item of items) {
        const r = await item.parsed;
        if (!r.parsed)
          await parseMessage(Readable.from([item.raw]), async (content) => {
            for await (const chunk of content) void chunk;
            return { key: 'x', size: 0, sha256: '' };
          });
        n++;
      }
    }
  } finally {
    lock.release();
    await client.logout();
    await pool.close();
  }
  return n;
}
