import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailPolicy } from '@rapport/core';
import { ImapSync, importMbox } from '@rapport/mail-bridge';
import { makeCrm } from './support/crm.js';
import { fillMailbox, startDovecot, type Dovecot } from './support/dovecot.js';
import { describeScores, score, seedWorld, type Scores } from './support/fidelity.js';
import { labelledMailbox, OWN_DOMAINS } from './support/labelled-mailbox.js';

const mailbox = labelledMailbox();
const policy: Partial<MailPolicy> = { ownDomains: OWN_DOMAINS, unknownSenders: 'prospect' };

function expectTargets(s: Scores) {
  for (const [category, n] of Object.entries(s.correct)) expect(n / s.messages, `${category} ${n}/${s.messages}`).toBeGreaterThanOrEqual(0.99);
  expect(s.freeOrOwnPartners).toEqual([]);
  expect(s.spoofLinks).toBe(0);
}

describe('linking fidelity on the labelled mailbox', () => {
  it('the mailbox is a few hundred messages and covers every rule', () => {
    expect(mailbox.length).toBeGreaterThan(250);
    const rules = new Set(mailbox.map((m) => m.label.rule));
    for (const rule of ['ordinary', 'bulk', 'idn', 'subdomain', 'plus', 'outlook', 'subject', 'auto', 'mixed', 'freemail', 'spoof'])
      expect(rules).toContain(rule);
    expect(new Set(mailbox.map((m) => m.messageId)).size).toBe(mailbox.length);
    // Deterministic: the same bytes on every run.
    expect(labelledMailbox().map((m) => m.raw)).toEqual(mailbox.map((m) => m.raw));
  });

  it('imported from an mbox file (one message at a time)', async () => {
    const t = await makeCrm({ mail: policy });
    const dir = await mkdtemp(join(tmpdir(), 'rapport-fidelity-'));
    try {
      const world = await seedWorld(t.crm);
      const file = join(dir, 'labelled.mbox');
      await writeFile(file, mailbox.map((m) => `From - Mon Jan  5 08:00:00 2026\n${m.raw.replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`).join(''));
      const report = await importMbox(t.crm, file);
      const s = await score(t.crm, t.store, world, mailbox);
      console.log(describeScores('mbox', s), report.quarantine);
      expect(report).toMatchObject({ fetched: mailbox.length, quarantined: 0, failed: 0 });
      expectTargets(s);
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('over IMAP from a real Dovecot (batches of messages in one transaction)', () => {
    let dovecot: Dovecot;
    const user = { user: 'anna', password: 'fidelity-pass' };
    beforeAll(async () => {
      dovecot = await startDovecot({ users: [user] });
    });
    afterAll(async () => {
      await dovecot?.stop();
    });

    it('synced with ImapSync', async () => {
      await fillMailbox(
        dovecot,
        user,
        'Labelled',
        mailbox.map((m) => m.raw),
      );
      const t = await makeCrm({ mail: policy });
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
        console.log(describeScores('imap', s), report.quarantine);
        expect(report).toMatchObject({ fetched: mailbox.length, quarantined: 0, failed: 0 });
        expectTargets(s);
      } finally {
        await t.close();
      }
    });
  });
});
