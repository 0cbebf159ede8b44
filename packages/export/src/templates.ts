import type { Writable } from 'node:stream';
import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { RapportError, printLiquid } from '@rapport/core';
import { writePdfDocument } from './pdf.js';

/**
 * Print templates: user-editable LiquidJS in a sandbox (no file system, own properties only,
 * unknown filters refused when parsed, limits on size, time and memory), the same settings as
 * the mail templates. A template writes a small markup that becomes the PDF:
 *   `# Title`, `## Section`, `| a | b |` rows (the first is the header), `**bold**` inline,
 *   `---` a rule, and plain lines as paragraphs.
 */
// Core's print sandbox: the same engine stored print templates are checked with when saved (with `money` and `percent`).
const engine = printLiquid();

export const PRINT_KINDS = ['task', 'offer', 'partner'] as const;
export type PrintKind = (typeof PRINT_KINDS)[number];

export interface PrintTemplate {
  id: string;
  kind: PrintKind;
  name: string;
  source: string;
  /** The template used for its kind when none is named. */
  isDefault: boolean;
  /** A stored template's language (its default is preferred when printing in that language). */
  language?: string;
}

const TASK_CARD = `# Task {{ task.number }}: {{ task.subject }}
| Field | Value |
| Register | {{ register.name }} |
| Partner | {{ partner.name | default: "—" }} |
| Contact | {{ person.firstName }} {{ person.lastName }} |
| Owner | {{ owner.name | default: "—" }} |
| Status | {{ task.status }} ({{ task.priority }}) |
| Due | {{ task.dueAt | date: "%Y-%m-%d %H:%M" }} |
{% if task.description %}
## Description
{{ task.description }}
{% endif %}{% if stages.size > 0 %}
## Stages
| # | Stage | Planned | Done |
{% for s in stages %}| {{ s.position }} | {{ s.subject }} | {{ s.plannedAt | date: "%Y-%m-%d" }} | {{ s.doneAt | date: "%Y-%m-%d" }} |
{% endfor %}{% endif %}{% if notes.size > 0 %}
## Notes
{% for n in notes %}**{{ n.at | date: "%Y-%m-%d %H:%M" }}** {{ n.body }}
{% endfor %}{% endif %}`;

const offer = (discount: boolean) => `# Offer {{ offer.number }}
**{{ partner.name }}**{% if partner.taxId %} · NIP {{ partner.taxId }}{% endif %}
Valid until {{ offer.validUntil | date: "%Y-%m-%d" | default: "—" }} · {{ offer.currency }}
---
| Item | Qty | Unit price |${discount ? ' Discount |' : ''} VAT | Net |
{% for l in offer.lines %}| {{ l.item }} | {{ l.quantity }} {{ l.unit }} | {{ l.unitPrice | money }} |${discount ? ' {{ l.discount | percent }} |' : ''} {{ l.vatRate | percent }} | {{ l.net | money }} |
{% endfor %}
**Net {{ offer.totals.net | money }} · VAT {{ offer.totals.vat | money }} · Gross {{ offer.totals.gross | money }} {{ offer.currency }}**
{% if offer.note %}
{{ offer.note }}
{% endif %}`;

const STATEMENT = `# Partner statement: {{ partner.name }}
{{ partner.code }}{% if partner.taxId %} · NIP {{ partner.taxId }}{% endif %} · as of {{ now | date: "%Y-%m-%d" }}
## Open tasks ({{ tasks.size }})
| Number | Subject | Due | Owner |
{% for t in tasks %}| {{ t.number }} | {{ t.subject }} | {{ t.dueAt | date: "%Y-%m-%d" }} | {{ t.owner }} |
{% endfor %}
## Offers ({{ offers.size }})
| Number | Status | Gross |
{% for o in offers %}| {{ o.number }} | {{ o.status }} | {{ o.totals.gross | money }} {{ o.currency }} |
{% endfor %}`;

/** The templates every installation has; a host adds its own (checked with `checkTemplate`). */
export const BUILTIN_TEMPLATES: PrintTemplate[] = [
  { id: 'task-card', kind: 'task', name: 'Task card', source: TASK_CARD, isDefault: true },
  { id: 'offer', kind: 'offer', name: 'Offer with discounts', source: offer(true), isDefault: true },
  { id: 'offer-net', kind: 'offer', name: 'Offer without discounts', source: offer(false), isDefault: false },
  { id: 'partner-statement', kind: 'partner', name: 'Partner statement', source: STATEMENT, isDefault: true },
];

/** Parses a template: a syntax error, an unknown filter or a file tag is VALIDATION with Liquid's message. */
export function checkTemplate(source: unknown): string {
  if (typeof source !== 'string' || source.trim() === '') throw new RapportError('VALIDATION', 'template.source must be a non-empty string');
  try {
    engine.parse(source);
  } catch (cause) {
    throw new RapportError('VALIDATION', `template.source: ${(cause as Error).message}`, { cause, details: { field: 'template.source' } });
  }
  return source;
}

/** The default template of a kind among the given ones (built-in when none is marked). */
export function defaultTemplate(kind: PrintKind, templates: PrintTemplate[] = BUILTIN_TEMPLATES): PrintTemplate {
  return templates.find((t) => t.kind === kind && t.isDefault) ?? BUILTIN_TEMPLATES.find((t) => t.kind === kind && t.isDefault)!;
}

/** Renders a template over data to its markup text (what the PDF is made from). */
export async function renderMarkup(source: string, data: Record<string, unknown>): Promise<string> {
  try {
    return await engine.parseAndRender(checkTemplate(source), data);
  } catch (cause) {
    if (cause instanceof RapportError) throw cause;
    throw new RapportError('VALIDATION', `template could not be rendered: ${(cause as Error).message}`, { cause });
  }
}

const inline = (text: string): Array<{ text: string; bold?: boolean }> =>
  text
    .split(/(\*\*[^*]+\*\*)/)
    .filter(Boolean)
    .map((part) => (part.startsWith('**') && part.endsWith('**') ? { text: part.slice(2, -2), bold: true } : { text: part }));

/** The markup as pdfmake content. */
export function markupToPdf(markup: string): Content[] {
  const out: Content[] = [];
  let table: TableCell[][] | null = null;
  const flush = () => {
    if (table && table.length)
      out.push({ table: { headerRows: 1, widths: table[0]!.map(() => '*'), body: table }, layout: 'lightHorizontalLines', margin: [0, 4, 0, 8] });
    table = null;
  };
  for (const raw of markup.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('|')) {
      const cells = line
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((c) => c.trim());
      if (!table) table = [cells.map((c) => ({ text: c, bold: true }))];
      else {
        const width = table[0]!.length;
        table.push(Array.from({ length: width }, (_, i) => ({ text: inline(cells[i] ?? '') })));
      }
      continue;
    }
    flush();
    if (line === '') continue;
    if (line.startsWith('## ')) out.push({ text: line.slice(3), fontSize: 12, bold: true, margin: [0, 8, 0, 4] });
    else if (line.startsWith('# ')) out.push({ text: line.slice(2), fontSize: 16, bold: true, margin: [0, 0, 0, 8] });
    else if (line === '---') out.push({ canvas: [{ type: 'line', x1: 0, y1: 4, x2: 515, y2: 4, lineWidth: 0.5 }], margin: [0, 4, 0, 8] });
    else out.push({ text: inline(line), margin: [0, 0, 0, 4] });
  }
  flush();
  return out;
}

/** Renders a print template over data into a PDF written to `out`. */
export async function printPdf(source: string, data: Record<string, unknown>, out: Writable): Promise<void> {
  const markup = await renderMarkup(source, data);
  await writePdfDocument({ pageSize: 'A4', content: markupToPdf(markup), defaultStyle: { font: 'Roboto', fontSize: 10 } }, out);
}
