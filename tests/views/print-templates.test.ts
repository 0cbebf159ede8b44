import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES, printRecord } from '@rapport/export';
import { failure, office, stores } from './setup.js';

/** Prints a record and returns the PDF's text (pdftotext, installed by CI) and the template used. */
async function printed(...args: Parameters<typeof printRecord> extends [infer C, infer R, ...unknown[]] ? [C, R] : never) {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  const template = await printRecord(args[0], args[1], out);
  const pdf = Buffer.concat(chunks);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const text = existsSync('/usr/bin/pdftotext') ? execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString() : null;
  return { template, text };
}

const CARD = `# Karta zadania {{ task.number }}
{{ task.subject }} · {{ register.name }} · {{ partner.name }}
{% for s in stages %}{{ s.subject }}{% endfor %}{% for n in notes %}{{ n.body }}{% endfor %}`;

describe.each(stores)('stored print templates on $name', (kind) => {
  it('are checked when saved: syntax, filters, file tags, variables of the print data, no subject', async () => {
    const { crm } = await office(kind);
    const base = { name: 'Card', channel: 'print' as const, recordKind: 'task', language: 'en' as const };
    const bad = async (body: string, extra: Record<string, unknown> = {}) => failure(() => crm.templates.create({ ...base, body, ...extra }));
    expect(await bad('{% if task.subject %}no end')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('template.body') });
    expect(await bad('{{ task.subject | shell }}')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('shell') });
    expect(await bad(`{% include 'secrets.txt' %}`)).toMatchObject({ code: 'VALIDATION' });
    expect(await bad('{{ task.nope }}')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('task has no field nope') });
    expect(await bad('{{ recipient.email }}')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('unknown variable recipient') });
    expect(await bad('{{ task.constructor }}')).toMatchObject({ code: 'VALIDATION' });
    expect(await bad('# x', { subject: 'Hi' })).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('template.subject') });
    expect(await bad('# x', { recordKind: 'person' })).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('template.recordKind') });
    expect(await bad('x'.repeat(100_001))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('at most 100000') });
    // money and percent are print filters: known to print templates, unknown to e-mail ones.
    await crm.templates.create({ ...base, recordKind: 'offer', body: '{{ offer.totals.gross | money }} {{ offer.lines.first.vatRate | percent }}' });
    expect(
      await failure(() => crm.templates.create({ ...base, channel: 'email', subject: 'x', recordKind: 'offer', body: '{{ offer.totals.gross | money }}' })),
    ).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('money') });
    // Every built-in template passes the same check, so a user can start from a copy of one.
    for (const t of BUILTIN_TEMPLATES) await crm.templates.create({ ...base, name: `Copy of ${t.name}`, recordKind: t.kind, body: t.source });
    expect((await crm.templates.list({ channel: 'print' })).items).toHaveLength(5);
  });

  it('an e-mail template moved to the print channel drops its subject; one given with the move is refused', async () => {
    const { crm } = await office(kind);
    const mail = { name: 'Mail', channel: 'email' as const, recordKind: 'task', language: 'en' as const, subject: 'Task {{ task.number }}' };
    const a = await crm.templates.create({ ...mail, body: 'Hello' });
    const moved = await crm.templates.update(a.id, { channel: 'print', body: '# Card {{ task.number }}' });
    expect([moved.channel, moved.subject]).toEqual(['print', null]);
    const b = await crm.templates.create({ ...mail, name: 'Mail 2', body: 'Hello' });
    expect(await failure(() => crm.templates.update(b.id, { channel: 'print', subject: 'Still', body: '# Card' }))).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('template.subject'),
    });
    expect((await crm.templates.get(b.id)).channel).toBe('email');
  });

  it('prints with the stored default, else the built-in one, and by name or id', async () => {
    const { crm, base, tasks } = await office(kind);
    await crm.tasks.addNote(tasks.overdue.id, 'Klient prosi o rabat na pałety');
    const before = await printed(crm, { kind: 'task', id: tasks.overdue.id });
    expect(before.template.id).toBe('task-card');
    const plain = await crm.templates.create({ name: 'Karta', channel: 'print', recordKind: 'task', language: 'pl', body: CARD });
    expect((await printed(crm, { kind: 'task', id: tasks.overdue.id })).template.id).toBe('task-card');
    const byName = await printed(crm, { kind: 'task', id: tasks.overdue.id, template: 'Karta' });
    expect(byName.template.id).toBe(plain.id);
    if (byName.text) expect(byName.text).toContain(`Karta zadania ${tasks.overdue.number}`);
    await crm.templates.setDefault(plain.id);
    const dflt = await printed(crm, { kind: 'task', id: tasks.overdue.id });
    expect(dflt.template.id).toBe(plain.id);
    if (dflt.text) {
      expect(dflt.text).toContain(`Karta zadania ${tasks.overdue.number}`);
      expect(dflt.text).toContain('Klient prosi o rabat na pałety');
      expect(dflt.text).toContain('Sales tasks');
    }
    expect((await printed(crm, { kind: 'task', id: tasks.overdue.id, template: 'task-card' })).template.id).toBe('task-card');
    expect(await failure(() => printed(crm, { kind: 'task', id: tasks.overdue.id, template: 'Nope' }))).toMatchObject({ code: 'NOT_FOUND' });
    // A print template is never a message: not rendered for sending, not usable by a rule or a mail.
    expect(await failure(() => crm.templates.render(plain.id, { recordId: tasks.overdue.id }))).toMatchObject({ code: 'VALIDATION' });
    expect(await crm.templates.defaultFor({ channel: 'email', recordKind: 'task', language: 'pl' })).toBeNull();
    expect(
      await failure(() => base.rules.create({ name: 'r', on: 'task.created', channel: 'email', recipients: [{ owner: true }], templateId: plain.id } as never)),
    ).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('must be a email template of task') });
    expect((await crm.templates.preview(plain.id)).body).toContain('Karta zadania [task.number]');
  });

  it('prefers the stored default in the language asked for, else the English one; lists the print variables', async () => {
    const { crm, tasks } = await office(kind);
    const t = { channel: 'print' as const, recordKind: 'task', isDefault: true };
    const en = await crm.templates.create({ ...t, name: 'Card', language: 'en', body: '# Task card EN {{ task.number }}' });
    const pl = await crm.templates.create({ ...t, name: 'Card', language: 'pl', body: '# Karta PL {{ task.number }}' });
    expect((await printed(crm, { kind: 'task', id: tasks.today.id, language: 'pl' })).template.id).toBe(pl.id);
    expect((await printed(crm, { kind: 'task', id: tasks.today.id, language: 'ro' })).template.id).toBe(en.id);
    const named = await printed(crm, { kind: 'task', id: tasks.today.id, template: 'Card', language: 'pl' });
    expect(named.template.id).toBe(pl.id);
    if (named.text) expect(named.text).toContain(`Karta PL ${tasks.today.number}`);
    const vars = crm.templates.variables('task', 'print');
    expect(vars).toEqual(expect.arrayContaining(['task.subject', 'register.name', 'stages[]', 'notes[]', 'now']));
    expect(vars).not.toContain('recipient.email');
    expect(crm.templates.variables('task')).toContain('recipient.email');
    expect(await failure(async () => crm.templates.variables('person', 'print'))).toMatchObject({ code: 'VALIDATION' });
  });

  it('cannot read files or prototype properties, and a salesperson cannot create one', async () => {
    const { crm, base, ewa, tasks } = await office(kind);
    // Lists (stages, notes) are not checked field by field; own properties only still hides the prototype.
    const t = await crm.templates.create({
      name: 'Probe',
      channel: 'print',
      recordKind: 'task',
      language: 'en',
      body: '# Probe\n[{% for n in notes %}{{ n.constructor }}{{ n.__proto__ }}{{ n.toString }}{% endfor %}]',
    });
    await crm.tasks.addNote(tasks.today.id, 'note');
    const probe = await printed(crm, { kind: 'task', id: tasks.today.id, template: t.id });
    if (probe.text) expect(probe.text).toMatch(/\[\s*\]/);
    await base.roles.grant(ewa.id, 'salesperson');
    expect(
      await failure(() => base.as(ewa.id).templates.create({ name: 'Mine', channel: 'print', recordKind: 'task', language: 'en', body: '# Mine' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect((await crm.templates.list({ channel: 'print' })).items.map((x) => x.name)).toEqual(['Probe']);
    // …but prints with the stored ones, as what she may read.
    expect((await printed(base.as(ewa.id), { kind: 'task', id: tasks.today.id, template: 'Probe' })).template.id).toBe(t.id);
  });
});
