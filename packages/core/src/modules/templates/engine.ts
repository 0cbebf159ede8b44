import type { Liquid, Template } from 'liquidjs';
import { RapportError } from '../../errors.js';
import { coreSchema } from '../../domain/schema.js';
import { lazy } from '../../lazy.js';

const liquidjs = lazy<typeof import('liquidjs')>('liquidjs');

/**
 * The sandbox user-written templates run in: LiquidJS with no file system (no include, render or
 * layout), own properties only (no `constructor`, no `__proto__`), unknown filters refused when
 * parsed, and limits on template size, render time and memory so a hostile loop stops.
 */
const LIMITS = { parse: 100_000, renderMs: 200, memory: 2_000_000 };

/** Limits of a sandbox, and what its templates are called in the error that refuses file tags. */
export interface SandboxOptions {
  parse?: number;
  renderMs?: number;
  memory?: number;
  what?: string;
  /** IANA time zone the `date` filter writes in (default UTC). */
  timeZone?: string;
}

/**
 * A LiquidJS engine for user-written templates: no file system, own properties only, unknown
 * filters refused, size/time/memory limits, dates in UTC. Mail, SMS and print templates share it.
 */
export function sandboxedLiquid(options: SandboxOptions = {}): Liquid {
  const refuseFiles = (): never => {
    throw new RapportError('VALIDATION', `${options.what ?? 'templates'} cannot read files (include, render and layout are not available)`);
  };
  const noFiles = {
    readFileSync: refuseFiles,
    readFile: refuseFiles,
    existsSync: () => false,
    exists: async () => false,
    resolve: refuseFiles,
    contains: () => false,
  };
  const engine = new (liquidjs().Liquid)({
    fs: noFiles as never,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    dynamicPartials: false,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    parseLimit: options.parse ?? LIMITS.parse,
    renderLimit: options.renderMs ?? LIMITS.renderMs,
    memoryLimit: options.memory ?? LIMITS.memory,
    cache: false,
    // Dates print in UTC (or the zone asked for) unless a template says otherwise: the host's own time zone must not leak in.
    timezoneOffset: options.timeZone ?? 0,
  });
  for (const tag of ['include', 'render', 'layout', 'block']) delete engine.tags[tag];
  return engine;
}

/** The filters print templates have besides Liquid's own: `money` (minor units, decision 0040: 123456 → "1 234.56") and `percent`. */
export function withPrintFilters(liquid: Liquid): Liquid {
  liquid.registerFilter('money', (v: unknown) =>
    typeof v === 'number' ? (v / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : v === null || v === undefined ? '' : String(v),
  );
  liquid.registerFilter('percent', (v: unknown) => (typeof v === 'number' ? `${v}%` : ''));
  return liquid;
}

/** The sandbox print templates run in: more time and memory than a message (a statement is long), plus `money` and `percent`. */
export const printLiquid = (): Liquid => withPrintFilters(sandboxedLiquid({ renderMs: 500, memory: 5_000_000, what: 'print templates' }));

// Made at first use, as liquidjs is loaded then (lazy.ts).
let madeEngine: Liquid | undefined;
let madePrintEngine: Liquid | undefined;
const engine = (): Liquid => (madeEngine ??= sandboxedLiquid());
const printEngine = (): Liquid => (madePrintEngine ??= printLiquid());
const engineOf = (channel: string | undefined): Liquid => (channel === 'print' ? printEngine() : engine());
/** One engine per recipient time zone in use (a handful), made on first use. */
const zoned = new Map<string, Liquid>();
const engineFor = (timeZone: string | null | undefined): Liquid => {
  if (!timeZone || timeZone === 'UTC') return engine();
  let e = zoned.get(timeZone);
  if (!e) zoned.set(timeZone, (e = sandboxedLiquid({ timeZone })));
  return e;
};

/** Record kinds a template can be written for, and the variables each one offers (name → collection). */
export const TEMPLATE_ROOTS: Record<string, Record<string, string>> = {
  task: { task: 'tasks', partner: 'partners', person: 'persons', owner: 'operators', register: 'registers' },
  partner: { partner: 'partners', owner: 'operators' },
  person: { person: 'persons', partner: 'partners' },
  opportunity: { opportunity: 'opportunities', partner: 'partners', owner: 'operators' },
  offer: { offer: 'offers', partner: 'partners', person: 'persons' },
};

/**
 * Print templates (channel `print`) read what @rapport/export's printData gives: the record and the
 * records around it (name → collection), and lists whose items are not checked field by field.
 */
export const PRINT_ROOTS: Record<string, Record<string, string>> = {
  task: { task: 'tasks', register: 'registers', partner: 'partners', person: 'persons', owner: 'operators' },
  offer: { offer: 'offers', partner: 'partners', person: 'persons' },
  partner: { partner: 'partners' },
};
const PRINT_LISTS: Record<string, string[]> = { task: ['stages', 'notes'], offer: [], partner: ['tasks', 'offers'] };

/** Variables every template has: who it is sent to, the time of sending, and free host data. */
const RECIPIENT_FIELDS = ['name', 'firstName', 'lastName', 'email', 'phone'];
const COMMON = ['recipient', 'now', 'data'];
/** Property names Liquid gives every array or string. */
const BUILTIN_PROPS = new Set(['size', 'first', 'last']);

/** Parses a template, turning LiquidJS's errors into a VALIDATION naming the field. */
export function parse(field: string, text: string, channel?: string): Template[] {
  try {
    return engineOf(channel).parse(text);
  } catch (err) {
    throw new RapportError('VALIDATION', `${field} is not a valid template: ${firstLine(err)}`, { cause: err, details: { field } });
  }
}

/**
 * Checks every variable the template reads against the record kind's fields: an unknown name
 * (a typo, `constructor`, a field of another kind) is refused when the template is saved.
 */
export function checkVariables(field: string, recordKind: string, parsed: Template[], channel?: string): void {
  const print = channel === 'print';
  const roots = (print ? PRINT_ROOTS : TEMPLATE_ROOTS)[recordKind]!;
  const names: Names = print ? { common: ['now'], lists: PRINT_LISTS[recordKind] ?? [], recipient: false } : { common: COMMON, lists: [], recipient: true };
  let segmentsList: ReturnType<Liquid['globalVariableSegmentsSync']>;
  try {
    segmentsList = engine().globalVariableSegmentsSync(parsed, { partials: false });
  } catch (err) {
    throw new RapportError('VALIDATION', `${field} cannot be analysed: ${firstLine(err)}`, { cause: err, details: { field } });
  }
  for (const segments of segmentsList) {
    const problem = unknownVariable(roots, segments, names);
    if (problem) throw new RapportError('VALIDATION', `${field} uses ${problem}`, { details: { field } });
  }
}

/** The roots a channel has besides its records: common ones, lists (any item field), and whether `recipient` and `data` exist. */
interface Names {
  common: string[];
  lists: string[];
  recipient: boolean;
}

function unknownVariable(roots: Record<string, string>, segments: Array<unknown>, names: Names): string | null {
  const path = segments.map((s) => (typeof s === 'string' || typeof s === 'number' ? String(s) : '[…]')).join('.');
  if (segments.some((s) => typeof s !== 'string' && typeof s !== 'number')) return `a computed lookup ${path} (name fields directly)`;
  const [root, name, ...rest] = segments as Array<string | number>;
  const own = (o: object, k: unknown) => typeof k === 'string' && Object.hasOwn(o, k);
  if (root === 'data' && names.recipient) return null; // the host's own values, checked by the host
  if (names.lists.includes(String(root))) return null; // items are read with own properties only
  if (root === 'now') return name === undefined ? null : `an unknown variable ${path} (now has no fields)`;
  if (root === 'recipient' && names.recipient)
    return name === undefined || RECIPIENT_FIELDS.includes(String(name)) ? null : `an unknown variable ${path} (recipient has ${RECIPIENT_FIELDS.join(', ')})`;
  if (!own(roots, root)) return `an unknown variable ${path} (available: ${[...Object.keys(roots), ...names.lists, ...names.common].join(', ')})`;
  if (name === undefined) return null;
  const def = coreSchema.collection(roots[root as string]!);
  const fields = { id: { type: 'string' }, ...def.fields } as Record<string, { type: string }>;
  if (!own(fields, name)) return `an unknown variable ${path} (${String(root)} has no field ${String(name)})`;
  if (rest.length === 0 || fields[name as string]!.type === 'json') return null;
  return BUILTIN_PROPS.has(String(rest[0])) && rest.length === 1 ? null : `an unknown variable ${path} (${String(root)}.${String(name)} has no fields)`;
}

/**
 * Renders a parsed template over `scope`, dates in `timeZone` (default UTC); a template that runs
 * past its limits fails as VALIDATION.
 */
export async function render(field: string, parsed: Template[], scope: Record<string, unknown>, timeZone?: string | null, channel?: string): Promise<string> {
  try {
    return String(await (channel === 'print' ? printEngine() : engineFor(timeZone)).render(parsed, scope));
  } catch (err) {
    throw new RapportError('VALIDATION', `${field} could not be rendered: ${firstLine(err)}`, { cause: err, details: { field } });
  }
}

/** Every variable path a template of this kind (and channel) may use, for an editor's list of fields; `stages[]` is a list. */
export function variablesOf(recordKind: string, channel?: string): string[] {
  const print = channel === 'print';
  const roots = (print ? PRINT_ROOTS : TEMPLATE_ROOTS)[recordKind] ?? {};
  const out: string[] = [];
  for (const [root, collection] of Object.entries(roots)) {
    out.push(`${root}.id`, ...Object.keys(coreSchema.collection(collection).fields).map((f) => `${root}.${f}`));
  }
  if (print) return [...out, ...(PRINT_LISTS[recordKind] ?? []).map((l) => `${l}[]`), 'now'];
  return [...out, ...RECIPIENT_FIELDS.map((f) => `recipient.${f}`), 'now', 'data.*'];
}

/** Plausible values for every variable of a kind: the preview's data when none is given. */
export function sampleScope(recordKind: string, now: Date, channel?: string): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  const print = channel === 'print';
  for (const [root, collection] of Object.entries((print ? PRINT_ROOTS : TEMPLATE_ROOTS)[recordKind] ?? {})) {
    const record: Record<string, unknown> = { id: `${root}-id` };
    for (const [name, def] of Object.entries(coreSchema.collection(collection).fields)) {
      record[name] =
        def.type === 'date'
          ? now
          : def.type === 'integer' || def.type === 'float'
            ? 0
            : def.type === 'boolean'
              ? false
              : def.type === 'json'
                ? {}
                : `[${root}.${name}]`;
    }
    scope[root] = record;
  }
  if (print) {
    for (const list of PRINT_LISTS[recordKind] ?? []) scope[list] = [];
    scope.now = now;
    return scope;
  }
  scope.recipient = { name: 'Jan Fiszka', firstName: 'Jan', lastName: 'Fiszka', email: 'jan.fiszka@example.com', phone: '+48600100200' };
  scope.now = now;
  scope.data = {};
  return scope;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
