import { inUnit, type Context, type Unit, inRead } from '../context.js';
import type { Register } from '../domain/types.js';
import type { RegisterRestriction } from '../domain/access-types.js';
import { requireAdministrator } from './access/access.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import { readAll } from '../store/find-all.js';
import * as v from '../validate.js';

export interface RegisterInput {
  code: string;
  name: string;
  /** Calendar colour, `#rrggbb`. */
  color?: string;
  /** Number series, e.g. `{seq:4}/{yyyy}/CRM` → `0001/2026/CRM`. Tokens: {seq}, {seq:N}, {yyyy}, {yy}, {mm}, {dd}, {code}. */
  numberPattern?: string;
}

const TOKEN = /\{(seq(?::(\d{1,2}))?|yyyy|yy|mm|dd|code)\}/g;

export function checkPattern(pattern: unknown): string {
  const p = v.text('register.numberPattern', pattern, { max: 128 });
  const unknown = p.replace(TOKEN, '').match(/\{[^}]*\}/);
  if (unknown) throw invalid('register.numberPattern', `has an unknown token ${unknown[0]}`, p);
  if (!/\{seq(:\d{1,2})?\}/.test(p)) throw invalid('register.numberPattern', 'must contain {seq} or {seq:N}', p);
  return p;
}

/** The counter a number comes from: per register, and per year/month when the pattern shows them. */
export function sequenceName(register: Register, at: Date): string {
  const p = register.numberPattern;
  const year = /\{yy(yy)?\}/.test(p) ? `:${at.getUTCFullYear()}` : '';
  const month = year && p.includes('{mm}') ? `-${String(at.getUTCMonth() + 1).padStart(2, '0')}` : '';
  return `register:${register.id}${year}${month}`;
}

export function formatNumber(register: Register, seq: number, at: Date): string {
  return register.numberPattern.replace(TOKEN, (_m, token: string, width?: string) => {
    if (token.startsWith('seq')) return String(seq).padStart(Number(width ?? 0), '0');
    if (token === 'yyyy') return String(at.getUTCFullYear());
    if (token === 'yy') return String(at.getUTCFullYear()).slice(-2);
    if (token === 'mm') return String(at.getUTCMonth() + 1).padStart(2, '0');
    if (token === 'dd') return String(at.getUTCDate()).padStart(2, '0');
    return register.code;
  });
}

/** The next document number of a register, allocated inside the unit's transaction. */
export async function nextNumber(unit: Unit, register: Register): Promise<string> {
  const seq = await unit.tx.nextSequence(sequenceName(register, unit.now));
  return formatNumber(register, seq, unit.now);
}

function checkColor(color: unknown): string {
  if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) throw invalid('register.color', 'must be a colour such as #3366cc', color);
  return color.toLowerCase();
}

async function createRegister(unit: Unit, input: RegisterInput, store = unit.tx): Promise<Register> {
  if (!input || typeof input !== 'object') throw invalid('register', 'must be an object', input);
  const code = v.text('register.code', input.code, { max: 64 }).toUpperCase();
  const clash = await unit.tx.find<Register>('registers', { where: where.eq('code', code), limit: 1 });
  if (clash.items.length > 0) throw new RapportError('CONFLICT', `register.code ${code} is already used`);
  const register: Register = {
    id: newId(unit.now.getTime()),
    version: 1,
    code,
    name: v.text('register.name', input.name, {}),
    color: checkColor(input.color ?? '#3366cc'),
    numberPattern: checkPattern(input.numberPattern ?? `{seq:4}/{yyyy}/${code}`),
    active: true,
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await store.create('registers', register);
  unit.emit({ type: 'register.created', register });
  return register;
}

async function checkRestriction(unit: Unit, value: unknown): Promise<RegisterRestriction | null> {
  if (value === null) return null;
  if (!value || typeof value !== 'object') throw invalid('register.restrictedTo', 'must be { groups: [...], operators: [...] } or null', value);
  const rule = value as Partial<RegisterRestriction>;
  const groups = v.strings('register.restrictedTo.groups', rule.groups ?? [], 64);
  const operators = v.strings('register.restrictedTo.operators', rule.operators ?? [], 64);
  for (const g of groups) await unit.load('groups', g, 'group', 'register.restrictedTo.groups');
  for (const o of operators) await unit.load('operators', o, 'operator', 'register.restrictedTo.operators');
  return { groups, operators };
}

/** The default register, created the first time a task needs it. */
export async function defaultRegister(unit: Unit, ctx: Context): Promise<Register> {
  const d = ctx.settings.defaultRegister;
  const found = await unit.tx.find<Register>('registers', { where: where.eq('code', d.code.toUpperCase()), limit: 1 });
  if (found.items[0]) return found.items[0];
  // Made for whoever needs it first, whatever their rules on registers: it is the system's. Asked
  // again beneath the unit's store, whose answer may be a cached one (a batch of messages).
  const again = await unit.system.find<Register>('registers', { where: where.eq('code', d.code.toUpperCase()), limit: 1 });
  return again.items[0] ?? createRegister(unit, d, unit.system);
}

/** Registers (rejestry) of tasks: kinds of matters with a colour and a number series. */
export function registersModule(ctx: Context) {
  return {
    create(input: RegisterInput): Promise<Register> {
      return inUnit(ctx, (unit) => createRegister(unit, input));
    },
    get(id: string): Promise<Register> {
      return inRead(ctx, (unit) => unit.load<Register>('registers', id, 'register'));
    },
    async findByCode(code: string): Promise<Register | null> {
      const page = await ctx.store.find<Register>('registers', { where: where.eq('code', String(code).trim().toUpperCase()), limit: 1 });
      return page.items[0] ?? null;
    },
    async list(): Promise<Register[]> {
      return readAll<Register>(ctx.store, 'registers', { sort: [{ field: 'name' }] });
    },
    /**
     * Changes a register. `restrictedTo: { groups, operators }` closes its tasks to everyone else
     * (administrators aside; a task's own people keep it); null opens it again. Restricting is
     * for administrators and audited.
     */
    update(
      id: string,
      patch: Partial<Omit<RegisterInput, 'code'>> & { active?: boolean; restrictedTo?: RegisterRestriction | null },
      options: { expectedVersion?: number } = {},
    ): Promise<Register> {
      return inUnit(ctx, async (unit) => {
        const reg = await unit.load<Register>('registers', id, 'register');
        const fields: Partial<Register> = {};
        if (patch.restrictedTo !== undefined) {
          await requireAdministrator(ctx, `restrict register ${reg.code}`);
          fields.restrictedTo = await checkRestriction(unit, patch.restrictedTo);
          await unit.audit('register', reg.id, 'restrictedTo', reg.restrictedTo ?? null, fields.restrictedTo);
        }
        if ('name' in patch) fields.name = v.text('register.name', patch.name, {});
        if ('color' in patch) fields.color = checkColor(patch.color);
        if ('numberPattern' in patch) fields.numberPattern = checkPattern(patch.numberPattern);
        if (patch.active !== undefined) fields.active = v.boolean('register.active', patch.active);
        return unit.save('registers', reg, { ...fields, updatedAt: unit.now }, options.expectedVersion);
      });
    },
  };
}
