import type { Writable } from 'node:stream';
import type { Crm } from '@rapport/core';
import { RapportError } from '@rapport/core';
import { BUILTIN_TEMPLATES, defaultTemplate, printPdf, PRINT_KINDS, type PrintKind, type PrintTemplate } from './templates.js';

/** What a template of each kind can use: the record and the records around it, read through the CRM as its actor. */
export async function printData(crm: Crm, kind: PrintKind, id: string): Promise<Record<string, unknown>> {
  const now = crm.clock.now();
  if (kind === 'task') {
    const task = await crm.tasks.get(id);
    const [register, partner, person, owner, stages, entries] = await Promise.all([
      crm.registers.get(task.registerId),
      task.partnerId ? crm.partners.get(task.partnerId) : null,
      task.personId ? crm.persons.get(task.personId) : null,
      task.ownerId ? crm.operators.get(task.ownerId) : null,
      crm.tasks.stages(task.id),
      crm.tasks.entries(task.id, { limit: 200 }),
    ]);
    return { now, task, register, partner, person, owner, stages, notes: entries.items.filter((e) => e.kind === 'note') };
  }
  if (kind === 'offer') {
    const offer = await crm.offers.get(id);
    const [partner, person] = await Promise.all([crm.partners.get(offer.partnerId), offer.personId ? crm.persons.get(offer.personId) : null]);
    return { now, offer, partner, person };
  }
  const partner = await crm.partners.get(id);
  // Through a view, so the statement shows only what its reader may see.
  const tasks = await crm.views.run(
    {
      kind: 'tasks',
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', field: 'partnerId', value: partner.id },
          { op: 'in', field: 'status', values: ['open', 'in_progress'] },
        ],
      },
      columns: [{ field: 'number' }, { field: 'subject' }, { field: 'dueAt' }, { field: 'owner.name' }],
    },
    { limit: 500 },
  );
  const offers = await crm.views.reader({ kind: 'offers', filter: { op: 'eq', field: 'partnerId', value: partner.id }, columns: [{ field: 'id' }] });
  const offerIds: string[] = [];
  for await (const page of offers.pages(200)) offerIds.push(...page.map((r) => r.id));
  return {
    now,
    partner,
    tasks: tasks.rows.map((r) => ({ number: r.values.number, subject: r.values.subject, dueAt: r.values.dueAt, owner: r.values['owner.name'] })),
    offers: await Promise.all(offerIds.slice(0, 500).map((o) => crm.offers.get(o))),
  };
}

/** The stored print templates of a kind (message templates of channel `print`), as print templates. */
export async function storedTemplates(crm: Crm, kind: PrintKind): Promise<PrintTemplate[]> {
  const out: PrintTemplate[] = [];
  let cursor: string | undefined;
  do {
    const page = await crm.templates.list({ channel: 'print', recordKind: kind, limit: 200, ...(cursor ? { cursor } : {}) });
    for (const t of page.items) out.push({ id: t.id, kind, name: t.name, source: t.body, isDefault: t.isDefault, language: t.language });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The template of that name, in `language` when several languages share the name. */
function byName(list: PrintTemplate[], name: string, language: string | undefined): PrintTemplate | undefined {
  const named = list.filter((t) => t.name === name);
  return named.find((t) => t.language === language) ?? named[0];
}

/** The stored default in `language`, else the English one, else any (one default per language may be marked). */
function storedDefault(stored: PrintTemplate[], language: string | undefined): PrintTemplate | undefined {
  const defaults = stored.filter((t) => t.isDefault);
  return defaults.find((t) => t.language === language) ?? defaults.find((t) => t.language === 'en') ?? defaults[0];
}

/**
 * Prints a record to PDF with a template named by id or name: among the stored print templates of
 * its kind, then `templates` (the built-in ones and the host's). Without a name: the stored default
 * of the kind if one is marked (in `language` if there is one), else the default among `templates`.
 */
export async function printRecord(
  crm: Crm,
  request: { kind: PrintKind; id: string; template?: string; language?: string },
  out: Writable,
  templates: PrintTemplate[] = BUILTIN_TEMPLATES,
): Promise<PrintTemplate> {
  if (!PRINT_KINDS.includes(request.kind))
    throw new RapportError('VALIDATION', `print kind must be one of ${PRINT_KINDS.join(', ')} (got ${JSON.stringify(request.kind)})`);
  const stored = await storedTemplates(crm, request.kind);
  const own = templates.filter((t) => t.kind === request.kind);
  const wanted = request.template;
  const template = wanted
    ? (stored.find((t) => t.id === wanted) ??
      own.find((t) => t.id === wanted) ??
      byName(stored, wanted, request.language) ??
      own.find((t) => t.name === wanted))
    : (storedDefault(stored, request.language) ?? defaultTemplate(request.kind, templates));
  if (!template) {
    const names = [...stored, ...own].map((t) => t.name).join(', ');
    throw new RapportError('NOT_FOUND', `print template ${JSON.stringify(wanted)} for ${request.kind} does not exist (${names})`);
  }
  await printPdf(template.source, await printData(crm, request.kind, request.id), out);
  return template;
}
