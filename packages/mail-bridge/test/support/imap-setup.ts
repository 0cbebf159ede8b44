/**
 * The set-up the IMAP tests share: one Dovecot per test file with one user (started before the
 * file's tests, stopped after), fresh mailboxes, ImapSync options for them, and an `it` whose
 * tests get a fresh test CRM (`{ t }`), closed after the test whatever its outcome.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { ImapSync, type ImapSyncOptions } from '@rapport/mail-bridge';
import type { Crm } from '@rapport/core';
import { fillMailbox, imapClient, startDovecot, type Dovecot, type DovecotUser } from './dovecot.js';
import { makeCrm, type TestCrm } from './crm.js';

export interface ImapSetup {
  readonly dovecot: Dovecot;
  readonly user: DovecotUser;
  /** The account name ImapSync records locations and checkpoints under. */
  readonly account: string;
  /** A client logged in as the user (the caller logs out). */
  imap(): ReturnType<typeof imapClient>;
  /** A fresh, uniquely named mailbox, filled over APPEND. */
  mailbox(messages?: Array<string | Buffer>): Promise<string>;
  /** Creates `name` and appends `messages`. */
  fill(name: string, messages: Array<string | Buffer>): Promise<void>;
  /** Appends to an existing mailbox. */
  append(name: string, messages: Array<string | Buffer>): Promise<void>;
  /** ImapSync options for one mailbox of the user, over plain IMAP. */
  options(box: string, extra?: Partial<ImapSyncOptions>): ImapSyncOptions;
  /** One sync of one mailbox into `crm`. */
  sync(crm: Crm, box: string, extra?: Partial<ImapSyncOptions>): ReturnType<ImapSync['sync']>;
}

export function useDovecot(user: DovecotUser): ImapSetup {
  let dovecot: Dovecot | undefined;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: [user] });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });
  const running = () => {
    if (!dovecot) throw new Error('Dovecot is started in beforeAll: use the set-up inside tests');
    return dovecot;
  };
  let boxes = 0;
  const setup: ImapSetup = {
    get dovecot() {
      return running();
    },
    user,
    get account() {
      return `imap:${user.user}@${running().host}`;
    },
    imap: () => imapClient(running(), user),
    async mailbox(messages = []) {
      const name = `T${++boxes}-${Date.now().toString(36)}`;
      await fillMailbox(running(), user, name, messages);
      return name;
    },
    fill: (name, messages) => fillMailbox(running(), user, name, messages),
    async append(name, messages) {
      const client = await imapClient(running(), user);
      try {
        for (const m of messages) await client.append(name, m);
      } finally {
        await client.logout();
      }
    },
    options: (box, extra = {}) => ({
      host: running().host,
      port: running().port,
      tls: 'none',
      user: user.user,
      password: user.password,
      mailboxes: [box],
      ...extra,
    }),
    sync: (crm, box, extra) => new ImapSync(crm, setup.options(box, extra)).sync(),
  };
  return setup;
}

/** `it` with a fresh test CRM per test (`async ({ t }) => …`), closed after it. */
export const itWithCrm = it.extend<{ t: TestCrm }>({
  // eslint-disable-next-line no-empty-pattern
  t: async ({}, use) => {
    const t = await makeCrm();
    await use(t);
    await t.close();
  },
});
