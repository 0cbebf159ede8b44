// Serial mailings: one template to every partner or person of a view or a list, each message
// rendered for its recipient with its own attachments, throttled, resumable without repeats.
import { inUnit, type Context } from '../../context.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import type { MessageTemplate } from '../../domain/notify-types.js';
import type { Operator, Partner, Person } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { findAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { enqueueManyIn, messageIdFor, outboxEntry } from '../scheduler/outbox.js';
import { templatesModule } from '../templates/index.js';
import { viewsModule } from '../views/index.js';
import { checkSize, domainOf, formatAddress, hookAttachment, keptCopies, payloadAttachments, type Attachment } from './compose.js';
import { recordOutgoing } from './record.js';
import type { MailHooks, MailRun, MailRunRecipient, SerialInput } from './types.js';

const KINDS = ['partner', 'person'] as const;
const COLLECTION = { partner: 'partners', person: 'persons' } as const;

/** The run with that id, if the caller started it (or is the trusted host); else NOT_FOUND. */
export async function loadRun(ctx: Context, runId: string): Promise<MailRun> {
  const run = await ctx.rootStore.get<MailRun>('mail_runs', v.id('runId', runId));
  if (!run || (ctx.actorId !== null && run.createdBy !== ctx.actorId))
    throw new RapportError('NOT_FOUND', `serial mailing ${JSON.stringify(runId)} does not exist`);
  return run;
}

/** The ids a run goes to, in order, each once: a view's rows (through the caller's rules) or a list of visible records. */
async function recipientIds(ctx: Context, kind: 'partner' | 'person', recipients: SerialInput['recipients']): Promise<string[]> {
  if (!recipients || typeof recipients !== 'object') throw invalid('serial.recipients', 'must be { view } or { ids }', recipients);
  const ids: string[] = [];
  if ('view' in recipients) {
    const views = viewsModule(ctx);
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof views.run>> = await views.run(v.text('serial.recipients.view', recipients.view, { max: 255 }), {
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      if (page.kind !== COLLECTION[kind])
        throw invalid('serial.recipients.view', `must list ${COLLECTION[kind]} for a ${kind} template (it lists ${page.kind})`, recipients.view);
      ids.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
  } else {
    if (!Array.isArray(recipients.ids)) throw invalid('serial.recipients.ids', 'must be a list of ids', recipients.ids);
    for (const [i, raw] of recipients.ids.entries()) {
      const id = v.id(`serial.recipients.ids[${i}]`, raw);
      if (!(await ctx.store.get(COLLECTION[kind], id)))
        throw new RapportError('NOT_FOUND', `serial.recipients.ids[${i}]: ${kind} ${JSON.stringify(id)} does not exist`);
      ids.push(id);
    }
  }
  return [...new Set(ids)];
}

/** Starts a run (its recipients written as pending, in one unit), or returns the run of that key to resume it. */
export async function startRun(ctx: Context, input: SerialInput): Promise<MailRun> {
  if (!input || typeof input !== 'object') throw invalid('serial', 'must be an object', input);
  const key = input.key === undefined ? newId(ctx.clock.now().getTime()) : v.text('serial.key', input.key, { max: 200 });
  const existing = (await ctx.rootStore.find<MailRun>('mail_runs', { where: where.eq('key', key), limit: 1 })).items[0];
  if (existing) {
    const run = await loadRun(ctx, existing.id);
    if (input.template !== undefined && input.template !== run.templateId)
      throw new RapportError(
        'CONFLICT',
        `serial mailing ${key} was started with template ${run.templateId}, not ${input.template}: resume it as it was, or use another key`,
      );
    return run;
  }
  const template = await templatesModule(ctx).get(v.id('serial.template', input.template));
  if (template.channel !== 'email') throw invalid('serial.template', `must be an e-mail template (${template.name} is ${template.channel})`, input.template);
  const kind = v.oneOf('serial.template.recordKind', template.recordKind, KINDS);
  const rate = input.ratePerMinute === undefined || input.ratePerMinute === null ? null : v.integer('serial.ratePerMinute', input.ratePerMinute, { min: 1 });
  const from = input.from === undefined ? null : v.email('serial.from', input.from);
  const ids = await recipientIds(ctx, kind, input.recipients);
  if (ids.length === 0) throw invalid('serial.recipients', 'name nobody', input.recipients);
  return inUnit(ctx, async (unit) => {
    const run: MailRun = {
      id: newId(unit.now.getTime()),
      version: 1,
      key,
      templateId: template.id,
      recordKind: kind,
      ratePerMinute: rate,
      from,
      data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
      total: ids.length,
      nextSlotAt: null,
      createdBy: unit.actorId,
      createdAt: unit.now,
      updatedAt: unit.now,
    };
    // A concurrent start of the same key loses on the unique index (CONFLICT): one run per key.
    await unit.system.create('mail_runs', run);
    const rows: MailRunRecipient[] = ids.map((recordId, seq) => ({
      id: newId(unit.now.getTime()),
      version: 1,
      runId: run.id,
      seq,
      kind,
      recordId,
      address: null,
      status: 'pending',
      reason: null,
      outboxKey: null,
      createdAt: unit.now,
      updatedAt: unit.now,
    }));
    for (let i = 0; i < rows.length; i += 500) await unit.system.createMany('mail_run_recipients', rows.slice(i, i + 500));
    return run;
  });
}

/** A prepared message of one recipient, or why it is skipped. */
interface Prepared {
  row: MailRunRecipient;
  skip?: string;
  address?: string;
  partner: Partner | null;
  person: Person | null;
  subject?: string;
  text?: string;
  attachments?: Attachment[];
}

async function prepareOne(ctx: Context, hooks: MailHooks, run: MailRun, template: MessageTemplate, row: MailRunRecipient): Promise<Prepared> {
  const record = await ctx.rootStore.get<Partner & Person>(COLLECTION[row.kind], row.recordId);
  if (!record) return { row, skip: `${row.kind} was deleted`, partner: null, person: null };
  const person = row.kind === 'person' ? (record as Person) : null;
  const partner = row.kind === 'partner' ? (record as Partner) : person?.partnerId ? await ctx.rootStore.get<Partner>('partners', person.partnerId) : null;
  if (record.mailOptOut) return { row, skip: 'opted out', partner, person };
  if (person && partner?.mailOptOut) return { row, skip: `opted out (partner ${partner.code})`, partner, person };
  const address = record.emails[0];
  if (!address) return { row, skip: 'no e-mail address', partner, person };
  const name = person ? `${person.firstName} ${person.lastName}` : (partner?.name ?? '');
  const rendered = await templatesModule(ctx).render(template.id, {
    recordId: record.id,
    recipient: { name, email: address, ...(person ? { firstName: person.firstName, lastName: person.lastName } : {}) },
    data: run.data,
  });
  const extra = hooks.serialAttachments
    ? await hooks.serialAttachments({ runId: run.id, recipient: { kind: row.kind, id: record.id, email: address }, partner, person })
    : [];
  if (!Array.isArray(extra)) throw invalid('hooks.serialAttachments', 'must return a list of attachments', extra);
  const attachments = extra.map((a, i) => hookAttachment(`serialAttachments[${i}]`, a)).filter((a): a is Attachment => a !== null);
  checkSize(`serial attachments of ${row.kind} ${record.id}`, attachments);
  return { row, address, partner, person, subject: rendered.subject ?? '', text: rendered.body, attachments };
}

/**
 * Prepares the next `limit` pending recipients: renders and attaches outside any transaction,
 * then in one unit marks each row (compare-and-set: a concurrent preparer's rows are left to it),
 * writes their outbox rows (idempotent keys) spaced by the rate, and records each message.
 * Returns how many rows it took; 0 when none was pending.
 */
export async function prepareBatch(ctx: Context, hooks: MailHooks, runId: string, limit: number): Promise<number> {
  const run = await loadRun(ctx, runId);
  const rows = (
    await ctx.rootStore.find<MailRunRecipient>('mail_run_recipients', {
      where: where.and(where.eq('runId', run.id), where.eq('status', 'pending')),
      sort: [{ field: 'seq' }],
      limit,
    })
  ).items;
  if (rows.length === 0) return 0;
  const template = await templatesModule(ctx).get(run.templateId);
  // Without a sender of its own the Mailer's default sends it; its Message-IDs take the domain of the
  // operator who started the run (the organisation's), as crm.mail.send's sender defaults to them.
  const starter = run.from || !run.createdBy ? null : await ctx.rootStore.get<Operator>('operators', run.createdBy);
  const domain = domainOf(run.from ?? starter?.email);
  const prepared: Prepared[] = [];
  for (const row of rows) prepared.push(await prepareOne(ctx, hooks, run, template, row));
  const kept = new Map<string, Awaited<ReturnType<typeof keptCopies>>>();
  for (const p of prepared) if (p.attachments?.length) kept.set(p.row.id, await keptCopies(ctx, p.attachments));
  await inUnit(ctx, async (unit) => {
    const tx = unit.system;
    const current = await tx.get<MailRun>('mail_runs', run.id);
    const interval = run.ratePerMinute ? 60_000 / run.ratePerMinute : 0;
    let slot = Math.max(unit.now.getTime(), current?.nextSlotAt?.getTime() ?? 0);
    const entries: OutboxEntry[] = [];
    for (const p of prepared) {
      const outboxKey = p.skip ? null : `serial:${run.id}:${p.row.kind}:${p.row.recordId}`;
      const marked = await tx
        .update<MailRunRecipient>(
          'mail_run_recipients',
          p.row.id,
          { status: p.skip ? 'skipped' : 'queued', reason: p.skip ?? null, address: p.address ?? null, outboxKey, updatedAt: unit.now },
          p.row.version,
        )
        .catch((err: unknown) => (err instanceof RapportError && err.code === 'CONFLICT' ? null : Promise.reject(err)));
      if (!marked || !outboxKey) continue;
      const messageId = messageIdFor(outboxKey, domain);
      const payload = {
        ...(run.from ? { from: run.from } : {}),
        to: [formatAddress({ name: p.person ? `${p.person.firstName} ${p.person.lastName}` : (p.partner?.name ?? null), address: p.address! })],
        subject: p.subject!,
        text: p.text!,
        messageId,
        headers: { 'X-Rapport-Serial': run.key.replace(/[\r\n]/g, ' ') },
        attachments: payloadAttachments(p.attachments ?? []),
      };
      entries.push(outboxEntry({ key: outboxKey, channel: 'email', payload, notBefore: new Date(slot) }, unit.now));
      slot += interval;
      await recordOutgoing(unit, {
        messageId,
        thread: { inReplyTo: null, references: [], threadKey: null },
        from: run.from ? { name: null, address: run.from } : null,
        to: [{ name: null, address: p.address! }],
        cc: [],
        subject: p.subject!,
        text: p.text!,
        attachments: kept.get(p.row.id) ?? [],
        task: null,
        partnerId: p.partner?.id ?? null,
        persons: p.person ? [{ id: p.person.id, partnerId: p.person.partnerId }] : [],
        owner: { ownerId: p.partner?.ownerId ?? null, creatorId: null },
        bulk: true,
      });
    }
    await enqueueManyIn(tx, entries);
    if (current) await tx.update<MailRun>('mail_runs', run.id, { nextSlotAt: new Date(slot), updatedAt: unit.now }, current.version);
  });
  return rows.length;
}

/** Every recipient row of a run, in order. */
export const runRows = (ctx: Context, runId: string) =>
  findAll<MailRunRecipient>(ctx.rootStore, 'mail_run_recipients', { where: where.eq('runId', runId), sort: [{ field: 'seq' }] });
