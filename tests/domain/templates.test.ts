import { describe, expect, it } from 'vitest';
import { rejects, setup } from './setup.js';

const taskMail = {
  name: 'Task reminder',
  channel: 'email' as const,
  recordKind: 'task',
  language: 'pl' as const,
  subject: 'Przypomnienie: {{ task.subject }}',
  body: 'Dzień dobry {{ recipient.name }},\n{{ task.number }} dla {{ partner.name }} — termin {{ task.dueAt | date: "%Y-%m-%d %H:%M" }}.',
};

describe('message templates', () => {
  it('renders a task template with the task, its partner and the recipient', async () => {
    const { crm } = await setup();
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir Sp. z o.o.' });
    const task = await crm.tasks.create({ subject: 'Oddzwonić', partnerId: zefir.id, dueAt: '2026-03-05T09:30:00Z' });
    const t = await crm.templates.create(taskMail);
    const out = await crm.templates.render(t.id, { recordId: task.id, recipient: { name: 'Ewa' } });
    expect(out).toEqual({ subject: 'Przypomnienie: Oddzwonić', body: `Dzień dobry Ewa,\n${task.number} dla Zefir Sp. z o.o. — termin 2026-03-05 09:30.` });
  });

  it('renders a missing related record as empty text rather than failing when sent', async () => {
    const { crm } = await setup();
    const task = await crm.tasks.create({ subject: 'Bez kontrahenta' });
    const t = await crm.templates.create(taskMail);
    expect((await crm.templates.render(t.id, { recordId: task.id })).body).toContain(' dla  — termin ');
  });

  it('refuses unknown variables, fields of other kinds and bad syntax when saved, naming them', async () => {
    const { crm, store } = await setup();
    await rejects(crm.templates.create({ ...taskMail, body: '{{ task.subjekt }}' }), 'VALIDATION', 'template.body', 'task.subjekt');
    await rejects(crm.templates.create({ ...taskMail, body: '{{ offer.number }}' }), 'VALIDATION', 'offer.number', 'available: task, partner');
    await rejects(crm.templates.create({ ...taskMail, subject: '{% if task.subject %}' }), 'VALIDATION', 'template.subject', 'not closed');
    await rejects(crm.templates.create({ ...taskMail, body: '{{ task.subject | shout }}' }), 'VALIDATION', 'shout');
    await rejects(crm.templates.create({ ...taskMail, recordKind: 'invoice' }), 'VALIDATION', 'template.recordKind');
    await rejects(crm.templates.create({ ...taskMail, channel: 'sms', subject: 'x' }), 'VALIDATION', 'template.subject');
    expect((await store.find('message_templates')).items).toEqual([]);
  });

  it('fails safely on hostile templates: prototype access, files, runaway loops and memory', async () => {
    const { crm } = await setup();
    const hostile = [
      ['{{ constructor }}', 'constructor'],
      ['{{ task.constructor.name }}', 'task.constructor'],
      ['{{ task["__proto__"] }}', '__proto__'],
      ['{{ task[recipient.name] }}', 'computed lookup'],
      ['{% include "/etc/passwd" %}', 'include'],
      ['{% render "x" %}', 'render'],
      ['{% layout "x" %}', 'layout'],
      ['{% for i in (1..3000) %}{% for j in (1..3000) %}x{% endfor %}{% endfor %}', 'limit exceeded'],
      ['{% for i in (1..100000000) %}x{% endfor %}', 'limit exceeded'],
      ['{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}', 'limit exceeded'],
    ];
    for (const [body, fragment] of hostile) {
      const started = Date.now();
      await rejects(crm.templates.create({ ...taskMail, body: body! }), 'VALIDATION', 'template.body', fragment!);
      expect(Date.now() - started, body).toBeLessThan(5_000);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps one default per channel, record kind and language, and falls back to English', async () => {
    const { crm } = await setup();
    const a = await crm.templates.create({ ...taskMail, name: 'A', isDefault: true });
    const b = await crm.templates.create({ ...taskMail, name: 'B', isDefault: true });
    const en = await crm.templates.create({ ...taskMail, name: 'EN', language: 'en', isDefault: true });
    expect((await crm.templates.get(a.id)).isDefault).toBe(false);
    expect((await crm.templates.defaultFor({ channel: 'email', recordKind: 'task', language: 'pl' }))?.id).toBe(b.id);
    expect((await crm.templates.defaultFor({ channel: 'email', recordKind: 'task', language: 'ro' }))?.id).toBe(en.id);
    expect(await crm.templates.defaultFor({ channel: 'sms', recordKind: 'task', language: 'pl' })).toBeNull();
    await crm.templates.setDefault(a.id);
    expect((await crm.templates.list({ language: 'pl' })).items.map((t) => [t.name, t.isDefault])).toEqual([
      ['A', true],
      ['B', false],
    ]);
  });

  it('previews with sample values, overridden by the sample data given', async () => {
    const { crm } = await setup();
    const t = await crm.templates.create({
      name: 'SMS',
      channel: 'sms',
      recordKind: 'task',
      language: 'en',
      body: 'Hi {{ recipient.firstName }}: {{ task.subject }}',
    });
    expect(await crm.templates.preview(t.id)).toEqual({ subject: null, body: 'Hi Jan: [task.subject]' });
    expect(await crm.templates.preview(t.id, { task: { subject: 'Call back' } })).toEqual({ subject: null, body: 'Hi Jan: Call back' });
    expect(crm.templates.variables('task')).toContain('partner.name');
  });

  it('checks an update like a new template and leaves the stored one intact on failure', async () => {
    const { crm } = await setup();
    const t = await crm.templates.create(taskMail);
    await rejects(crm.templates.update(t.id, { body: '{{ nope }}' }), 'VALIDATION', 'nope');
    expect((await crm.templates.get(t.id)).body).toBe(taskMail.body);
    const saved = await crm.templates.update(t.id, { body: 'Termin: {{ task.dueAt }}' });
    expect(saved.version).toBe(2);
  });
});
