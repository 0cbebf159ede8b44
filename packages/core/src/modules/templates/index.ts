import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import { TEMPLATE_CHANNELS, TEMPLATE_LANGUAGES, type MessageTemplate, type TemplateChannel, type TemplateLanguage } from '../../domain/notify-types.js';
import { RapportError, invalid } from '../../errors.js';
import type { NotificationRule } from '../../domain/rule-types.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { PRINT_ROOTS, TEMPLATE_ROOTS, checkVariables, parse, render, sampleScope, variablesOf } from './engine.js';
import { scopeFor, type Recipient } from './scope.js';
import { checkTimeZone } from '../scheduler/timing.js';
import { requirePermission } from '../access/access.js';

export type { Recipient } from './scope.js';

export interface TemplateInput {
  name: string;
  channel: TemplateChannel;
  /** The kind of record it is written for: task, partner, person, opportunity or offer. */
  recordKind: string;
  language: TemplateLanguage;
  /** E-mail subject (a template too); not allowed on SMS templates. */
  subject?: string | null;
  body: string;
  /** Makes it the default of its channel, record kind and language (the previous default stops being one). */
  isDefault?: boolean;
}

/** A rendered message. */
export interface RenderedMessage {
  subject: string | null;
  body: string;
}

const MAX_BODY = { email: 100_000, sms: 2_000, print: 100_000 } as const;

/** Message templates for e-mail, SMS and print (szablony wiadomości i wydruków): many per kind, one default per kind and language. */
export function templatesModule(ctx: Context) {
  const load = (id: string) => inRead(ctx, (unit) => unit.load<MessageTemplate>('message_templates', id, 'template'));
  return {
    /** Saves a template after checking its syntax and every variable it uses; a bad one is a VALIDATION error. */
    create(input: TemplateInput): Promise<MessageTemplate> {
      return inUnit(ctx, async (unit) => {
        await requirePermission(ctx, 'templates', 'create', 'message templates');
        if (!input || typeof input !== 'object') throw invalid('template', 'must be an object', input);
        const fields = await checked(unit, input);
        const record: MessageTemplate = {
          id: newId(unit.now.getTime()),
          version: 1,
          ...fields,
          isDefault: false,
          defaultKey: null,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('message_templates', record);
        return input.isDefault ? makeDefault(unit, record) : record;
      });
    },

    /** Changes a template; the result is checked like a new one (moved off e-mail, its subject is dropped). */
    update(id: string, patch: Partial<TemplateInput>, options: { expectedVersion?: number } = {}): Promise<MessageTemplate> {
      return inUnit(ctx, async (unit) => {
        await requirePermission(ctx, 'templates', 'update', 'message templates');
        const current = await unit.load<MessageTemplate>('message_templates', id, 'template');
        const merged = { ...current, ...v.definedOnly(patch ?? {}) } as TemplateInput;
        // Off e-mail a template has no subject: the stored one goes unless the patch gives one (refused below).
        if (merged.channel !== 'email' && current.channel === 'email' && patch?.subject === undefined) merged.subject = null;
        const fields = await checked(unit, merged);
        const kindChanged = fields.channel !== current.channel || fields.recordKind !== current.recordKind || fields.language !== current.language;
        if (fields.channel !== current.channel || fields.recordKind !== current.recordKind)
          await refuseIfUsed(unit, current, 'moved to another channel or record kind');
        let saved = await unit.save(
          'message_templates',
          current,
          { ...fields, updatedAt: unit.now, ...(kindChanged ? { isDefault: false, defaultKey: null } : {}) },
          options.expectedVersion,
        );
        if (patch?.isDefault === true || (patch?.isDefault === undefined && current.isDefault && kindChanged)) saved = await makeDefault(unit, saved);
        else if (patch?.isDefault === false && saved.isDefault)
          saved = await unit.tx.update<MessageTemplate>('message_templates', id, { isDefault: false, defaultKey: null }, saved.version);
        return saved;
      });
    },

    get(id: string): Promise<MessageTemplate> {
      return load(id);
    },

    list(
      query: { channel?: TemplateChannel; recordKind?: string; language?: TemplateLanguage; limit?: number; cursor?: string } = {},
    ): Promise<Page<MessageTemplate>> {
      return ctx.store.find<MessageTemplate>('message_templates', {
        where: where.and(
          query.channel ? where.eq('channel', query.channel) : undefined,
          query.recordKind ? where.eq('recordKind', query.recordKind) : undefined,
          query.language ? where.eq('language', query.language) : undefined,
        ),
        sort: [{ field: 'channel' }, { field: 'recordKind' }, { field: 'language' }, { field: 'name' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    delete(id: string): Promise<void> {
      return inUnit(ctx, async (unit) => {
        await requirePermission(ctx, 'templates', 'delete', 'message templates');
        const t = await unit.load<MessageTemplate>('message_templates', id, 'template');
        await refuseIfUsed(unit, t, 'deleted');
        await unit.tx.delete('message_templates', t.id, t.version);
      });
    },

    /** Makes this template the default of its channel, record kind and language. */
    setDefault(id: string): Promise<MessageTemplate> {
      return inUnit(ctx, async (unit) => {
        await requirePermission(ctx, 'templates', 'update', 'message templates');
        return makeDefault(unit, await unit.load<MessageTemplate>('message_templates', id, 'template'));
      });
    },

    /** The default template for a channel, record kind and language; else the English default; else null. */
    async defaultFor(query: { channel: TemplateChannel; recordKind: string; language?: TemplateLanguage }): Promise<MessageTemplate | null> {
      for (const language of [...new Set([query.language ?? 'en', 'en'])]) {
        const page = await ctx.store.find<MessageTemplate>('message_templates', {
          where: where.eq('defaultKey', defaultKey(query.channel, query.recordKind, language)),
          limit: 1,
        });
        if (page.items[0]) return page.items[0];
      }
      return null;
    },

    /** Renders a template with sample values (or `sampleData` over them) to show what it will send. */
    async preview(templateId: string, sampleData: Record<string, unknown> = {}): Promise<RenderedMessage> {
      const t = await load(templateId);
      const base = sampleScope(t.recordKind, ctx.clock.now(), t.channel);
      const scope: Record<string, unknown> = { ...base };
      for (const [key, value] of Object.entries(sampleData ?? {})) {
        const sample = base[key];
        scope[key] = sample && typeof sample === 'object' && value && typeof value === 'object' && !(sample instanceof Date) ? { ...sample, ...value } : value;
      }
      return renderTemplate(t, scope);
    },

    /**
     * Renders a template for one record and one recipient, reading the record and what it refers
     * to (a task's partner, person, owner and register). Missing values print as empty text.
     */
    async render(
      templateId: string,
      input: { recordId: string; recipient?: Recipient; data?: Record<string, unknown>; timeZone?: string | null },
    ): Promise<RenderedMessage> {
      const t = await load(templateId);
      if (t.channel === 'print') throw invalid('template', 'is a print template: print it with printRecord of @rapport/export (or rapport print)', t.name);
      const timeZone = input.timeZone ? checkTimeZone(input.timeZone, 'timeZone') : null;
      const scope = await inRead(ctx, (unit) => scopeFor(unit, t.recordKind, input.recordId, input.recipient ?? null, input.data ?? {}));
      return renderTemplate(t, scope, timeZone);
    },

    /** The template of the same name, channel and record kind in `language`, else this one (for a recipient's language). */
    async inLanguage(templateId: string, language: TemplateLanguage | null | undefined): Promise<MessageTemplate> {
      const t = await load(templateId);
      if (!language || language === t.language) return t;
      const page = await ctx.store.find<MessageTemplate>('message_templates', {
        where: where.and(where.eq('channel', t.channel), where.eq('recordKind', t.recordKind), where.eq('language', language), where.eq('name', t.name)),
        limit: 1,
      });
      return page.items[0] ?? t;
    },

    /** The variables a template of a record kind and channel may use, e.g. `task.subject`, `partner.name`, `recipient.email` (print: `stages[]`). */
    variables(recordKind: string, channel: TemplateChannel = 'email'): string[] {
      v.oneOf('channel', channel, TEMPLATE_CHANNELS);
      v.oneOf('recordKind', recordKind, Object.keys(channel === 'print' ? PRINT_ROOTS : TEMPLATE_ROOTS));
      return variablesOf(recordKind, channel);
    },
  };
}

async function renderTemplate(t: MessageTemplate, scope: Record<string, unknown>, timeZone: string | null = null): Promise<RenderedMessage> {
  const subject =
    t.subject === null ? null : (await render('template.subject', parse('template.subject', t.subject), scope, timeZone)).replace(/[\r\n]+/g, ' ').trim();
  return { subject, body: await render('template.body', parse('template.body', t.body, t.channel), scope, timeZone, t.channel) };
}

/** A template a notification rule sends with stays what the rule was checked against: CONFLICT, naming the rule. */
async function refuseIfUsed(unit: Unit, t: MessageTemplate, what: string): Promise<void> {
  const rule = (await unit.system.find<NotificationRule>('notification_rules', { where: where.eq('templateId', t.id), limit: 1 })).items[0];
  if (rule)
    throw new RapportError('CONFLICT', `template ${JSON.stringify(t.name)} cannot be ${what}: notification rule ${JSON.stringify(rule.name)} sends with it`, {
      details: { ruleId: rule.id },
    });
}

const defaultKey = (channel: string, recordKind: string, language: string) => `${channel}:${recordKind}:${language}`;

/** Moves the default of a kind to `t` in one unit: the previous holder gives it up first. */
async function makeDefault(unit: Unit, t: MessageTemplate): Promise<MessageTemplate> {
  const key = defaultKey(t.channel, t.recordKind, t.language);
  const holder = (await unit.tx.find<MessageTemplate>('message_templates', { where: where.eq('defaultKey', key), limit: 1 })).items[0];
  if (holder?.id === t.id) return t;
  if (holder)
    await unit.tx.update<MessageTemplate>('message_templates', holder.id, { isDefault: false, defaultKey: null, updatedAt: unit.now }, holder.version);
  return unit.tx.update<MessageTemplate>('message_templates', t.id, { isDefault: true, defaultKey: key, updatedAt: unit.now }, t.version);
}

/** Validates a template's fields, including a trial render with sample values (a runaway loop fails here, not when sending). */
async function checked(unit: Unit, input: TemplateInput) {
  const channel = v.oneOf('template.channel', input.channel, TEMPLATE_CHANNELS);
  // Print templates are for what @rapport/export prints: task cards, offers, partner statements.
  const recordKind = v.oneOf('template.recordKind', input.recordKind, Object.keys(channel === 'print' ? PRINT_ROOTS : TEMPLATE_ROOTS));
  const language = v.oneOf('template.language', input.language, TEMPLATE_LANGUAGES);
  const name = v.text('template.name', input.name, {});
  if (typeof input.body !== 'string' || input.body.trim() === '') throw invalid('template.body', 'must not be empty', input.body ?? '');
  if (input.body.length > MAX_BODY[channel])
    throw invalid('template.body', `must be at most ${MAX_BODY[channel]} characters for ${channel}`, `${input.body.length} characters`);
  let subject: string | null = null;
  if (channel !== 'email' && input.subject)
    throw invalid('template.subject', `is not used by ${channel === 'sms' ? 'SMS' : channel} templates; leave it empty`, input.subject);
  if (channel === 'email') {
    subject = v.text('template.subject', input.subject, { max: 1000 });
  }
  const scope = sampleScope(recordKind, unit.now, channel);
  for (const [field, text] of [
    ['template.subject', subject],
    ['template.body', input.body],
  ] as const) {
    if (text === null) continue;
    const parsed = parse(field, text, channel);
    checkVariables(field, recordKind, parsed, channel);
    await render(field, parsed, scope, null, channel);
  }
  return { name, channel, recordKind, language, subject, body: input.body };
}
