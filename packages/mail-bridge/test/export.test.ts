import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildTaskMessage, exportTask } from '@rapport/mail-bridge';
import { icalFold, icalText } from '../src/export.js';
import { makeCrm } from './support/crm.js';
import { useDovecot } from './support/imap-setup.js';

const mail = useDovecot({ user: 'dave', password: 'dave-pass' });

describe('task export', () => {
  it('escapes and folds iCalendar text: 75-octet lines, never splitting a UTF-8 character', () => {
    expect(icalText('a;b,c\\d\ne')).toBe('a\\;b\\,c\\\\d\\ne');
    const line = `SUMMARY:${'ż'.repeat(100)}`;
    const folded = icalFold(line);
    const parts = folded.split('\r\n');
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(75);
    expect(parts.slice(1).every((p) => p.startsWith(' '))).toBe(true);
    expect(parts.map((p, i) => (i ? p.slice(1) : p)).join('')).toBe(line);
  });

  it('builds an RFC 5322 message with the task details and a VTODO part', async () => {
    const t = await makeCrm();
    try {
      const op = await t.crm.operators.create({ name: 'Anna', email: 'anna@firma.test' });
      const task = await t.crm
        .as(op.id)
        .tasks.create({ subject: 'Call Zefir; offer, v2', dueAt: '2026-03-10T12:00:00Z', description: 'Line one\nLine two', stages: [{ subject: 'Prepare' }] });
      const { raw } = await buildTaskMessage(t.crm, task.id);
      const parsed = await simpleParser(raw);
      expect(parsed.subject).toBe(`[${task.number}] Call Zefir; offer, v2`);
      expect(parsed.text).toContain('Prepare');
      expect(parsed.headers.get('x-rapport-task')).toBe(task.id);
      const part = parsed.attachments.find((a) => a.contentType === 'text/calendar');
      expect(part).toBeDefined();
      const ics = part!.content.toString('utf8').replace(/\r\n /g, '');
      expect(ics).toContain('BEGIN:VTODO');
      expect(ics).toContain('SUMMARY:' + `${task.number} Call Zefir\\; offer\\, v2`);
      expect(ics).toContain('DUE:20260310T120000Z');
      expect(ics).toContain('STATUS:NEEDS-ACTION');
    } finally {
      await t.close();
    }
  });

  it('APPENDs the task to an IMAP folder; re-export replaces the earlier copy', async () => {
    const t = await makeCrm();
    try {
      const task = await t.crm.tasks.create({ subject: 'Export me' });
      const connection = {
        host: mail.dovecot.host,
        port: mail.dovecot.port,
        tls: 'none' as const,
        user: 'dave',
        password: 'dave-pass',
        folder: 'Rapport Tasks',
      };
      const first = await exportTask(t.crm, task.id, connection);
      expect(first.replaced).toBe(0);
      await t.crm.tasks.complete(task.id);
      const second = await exportTask(t.crm, task.id, connection);
      expect(second.replaced).toBe(1);
      const client = await mail.imap();
      await client.mailboxOpen('Rapport Tasks');
      const messages = await client.fetchAll('1:*', { uid: true, source: true });
      await client.logout();
      expect(messages).toHaveLength(1);
      const source = messages[0]!.source!.toString();
      expect(source).toContain('STATUS:COMPLETED');
      expect(source).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=PUBLISH/i);
    } finally {
      await t.close();
    }
  });
});
