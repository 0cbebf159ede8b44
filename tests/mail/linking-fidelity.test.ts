import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { ImapSync } from '@rapport/mail-bridge';
import { createPgSchema, dropPgSchema, PG_URL, uniqueSchemaName } from '../../packages/storage-adapters/test/helpers.js';
import { makeCrm } from '../../packages/mail-bridge/test/support/crm.js';
import { fillMailbox, startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { describeScores, score, seedWorld } from '../../packages/mail-bridge/test/support/fidelity.js';
import { labelledMailbox, OWN_DOMAINS } from '../../packages/mail-bridge/test/support/labelled-mailbox.js';

// The labelled mailbox over SQL stores: linking must not depend on the order a database returns
// rows in (the memory store's order is insertion order and hides that).
const mailbox = labelledMailbox();
const user = { user: 'anna', password: 'fidelity-pass' };
let dovecot: Dovecot;
const schemas: string[] = [];

beforeAll(async () => {
  dovecot = await startDovecot({ users: [user] });
  await fillMailbox(
    dovecot,
    user,
    'Labelled',
    mailbox.map((m) => m.raw),
  );
});
afterAll(async () => {
  await dovecot?.stop();
  for (const s of schemas) await dropPgSchema(s);
});

const kinds: Array<{ name: string; make(): Promise<Store> }> = [
  { name: 'sqlite', make: async () => sqliteStore({ filename: ':memory:' }) },
  {
    name: 'postgres',
    make: async () => {
      const schemaName = uniqueSchemaName('fidelity');
      schemas.push(schemaName);
      await createPgSchema(schemaName);
      return postgresStore({ url: PG_URL, schemaName });
    },
  },
];

describe('linking fidelity of the labelled mailbox over IMAP on SQL stores', () => {
  for (const kind of kinds) {
    it(`on ${kind.name}`, async () => {
      const t = await makeCrm({ store: await kind.make(), mail: { ownDomains: OWN_DOMAINS, unknownSenders: 'prospect' } });
      try {
        const world = await seedWorld(t.crm);
        const report = await new ImapSync(t.crm, {
          host: dovecot.host,
          port: dovecot.port,
          tls: 'none',
          user: user.user,
          password: user.password,
          mailboxes: ['Labelled'],
          batchSize: 50,
        }).sync();
        const s = await score(t.crm, t.store, world, mailbox);
        console.log(describeScores(`imap → ${kind.name}`, s));
        expect(report).toMatchObject({ fetched: mailbox.length, quarantined: 0, failed: 0 });
        for (const [category, n] of Object.entries(s.correct)) expect(n / s.messages, `${category} ${n}/${s.messages}`).toBeGreaterThanOrEqual(0.99);
        expect(s.freeOrOwnPartners).toEqual([]);
        expect(s.spoofLinks).toBe(0);
      } finally {
        await t.close();
      }
    });
  }
});
