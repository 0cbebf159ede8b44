import { createHash, randomBytes } from 'node:crypto';
import { inUnit, type Context, inRead } from '../context.js';
import type { ApiToken, Operator } from '../domain/types.js';
import { RapportError, invalid, isRapportError } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import type { Page } from '../store/store.js';
import * as v from '../validate.js';
import { e164 } from '../domain/phone.js';
import { TEMPLATE_LANGUAGES } from '../domain/notify-types.js';
import { checkTimeZone } from './scheduler/timing.js';
import { syncContactKeys } from './contact-keys.js';
import { handOverMethods } from './hand-over.js';
import { substitutionMethods } from './substitutions.js';
import { requirePermission } from './access/access.js';
import { syncLegacyGroups } from './access/groups.js';

export interface OperatorInput {
  name: string;
  email: string;
  groups?: string[];
  /** Mobile number for SMS; without `+` it is read in the CRM's `settings.phoneCountry`. */
  phone?: string | null;
  /** Language of messages to the operator: pl, ro or en (default en). */
  language?: 'pl' | 'ro' | 'en' | null;
  /** IANA time zone of dates in messages to the operator (default UTC). */
  timeZone?: string | null;
}

const language = (value: unknown) => (value === undefined || value === null ? null : v.oneOf('operator.language', value, TEMPLATE_LANGUAGES));
const timeZone = (value: unknown) =>
  value === undefined || value === null ? null : checkTimeZone(v.text('operator.timeZone', value, { max: 64 }), 'operator.timeZone');

const TOKEN_PREFIX = 'rpt_';
const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

/** SHA-256 of a token: what is stored and compared, never the token itself. */
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Operators (users of the system) and their API tokens. */
export function operatorsModule(ctx: Context) {
  return {
    ...handOverMethods(ctx),
    ...substitutionMethods(ctx),

    create(input: OperatorInput): Promise<Operator> {
      return inUnit(ctx, async (unit) => {
        if (!input || typeof input !== 'object') throw invalid('operator', 'must be an object', input);
        const email = v.email('operator.email', input.email);
        await requirePermission(ctx, 'operators', 'create', email);
        const clash = await unit.tx.find<Operator>('operators', { where: where.eq('email', email), limit: 1 });
        if (clash.items.length > 0) throw new RapportError('CONFLICT', `operator.email ${email} is already used by operator ${clash.items[0]!.id}`);
        const operator: Operator = {
          id: newId(unit.now.getTime()),
          version: 1,
          name: v.text('operator.name', input.name, {}),
          email,
          groups: v.strings('operator.groups', input.groups, 64),
          active: true,
          phone: input.phone === undefined || input.phone === null ? null : e164('operator.phone', input.phone, ctx.settings.phoneCountry),
          language: language(input.language),
          timeZone: timeZone(input.timeZone),
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('operators', operator);
        await syncContactKeys(unit, 'operator', operator.id, { emails: [email] });
        await syncLegacyGroups(unit, operator);
        unit.emit({ type: 'operator.created', operator });
        return operator;
      });
    },

    get(id: string): Promise<Operator> {
      return inRead(ctx, (unit) => unit.load<Operator>('operators', id, 'operator'));
    },

    async findByEmail(address: string): Promise<Operator | null> {
      const page = await ctx.store.find<Operator>('operators', { where: where.eq('email', v.email('email', address)), limit: 1 });
      return page.items[0] ?? null;
    },

    list(query: { limit?: number; cursor?: string } = {}): Promise<Page<Operator>> {
      return ctx.store.find<Operator>('operators', { sort: [{ field: 'name' }], limit: query.limit ?? 100, ...(query.cursor ? { cursor: query.cursor } : {}) });
    },

    update(id: string, patch: Partial<OperatorInput> & { active?: boolean }, options: { expectedVersion?: number } = {}): Promise<Operator> {
      return inUnit(ctx, async (unit) => {
        const op = await unit.load<Operator>('operators', id, 'operator');
        await requirePermission(ctx, 'operators', 'update', op.email);
        const fields: Partial<Operator> = {};
        if ('name' in patch) fields.name = v.text('operator.name', patch.name, {});
        if ('groups' in patch) fields.groups = v.strings('operator.groups', patch.groups, 64);
        if ('active' in patch) fields.active = Boolean(patch.active);
        if ('phone' in patch)
          fields.phone = patch.phone === undefined || patch.phone === null ? null : e164('operator.phone', patch.phone, ctx.settings.phoneCountry);
        if ('language' in patch) fields.language = language(patch.language);
        if ('timeZone' in patch) fields.timeZone = timeZone(patch.timeZone);
        if ('email' in patch) {
          fields.email = v.email('operator.email', patch.email);
          const clash = (await unit.tx.find<Operator>('operators', { where: where.eq('email', fields.email), limit: 1 })).items[0];
          if (clash && clash.id !== id) throw new RapportError('CONFLICT', `operator.email ${fields.email} is already used by operator ${clash.id}`);
        }
        const saved = await unit.save('operators', op, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        if (fields.email) await syncContactKeys(unit, 'operator', id, { emails: [fields.email] });
        if (fields.groups) await syncLegacyGroups(unit, saved);
        return saved;
      });
    },

    /**
     * Issues an API token for an operator. The token is returned once; only its hash is stored.
     */
    createToken(operatorId: string, options: { label?: string } = {}): Promise<{ token: string; record: ApiToken }> {
      return inUnit(ctx, async (unit) => {
        const op = await unit.load<Operator>('operators', operatorId, 'operator');
        if (op.id !== ctx.actorId) await requirePermission(ctx, 'operators', 'update', `${op.email} (tokens)`);
        if (!op.active) throw new RapportError('FORBIDDEN', `operator ${op.email} is deactivated`);
        const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
        const record: ApiToken = {
          id: newId(unit.now.getTime()),
          version: 1,
          operatorId,
          tokenHash: hashToken(token),
          label: v.text('token.label', options.label, { optional: true }),
          lastUsedAt: null,
          revokedAt: null,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('api_tokens', record);
        return { token, record };
      });
    },

    /** The active operator a token belongs to, or null for an unknown, revoked or malformed token. */
    async authenticate(token: string): Promise<Operator | null> {
      if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
      const tokenHash = hashToken(token);
      // Two reads a request otherwise: the answer is kept as long as a principal (see AccessEngine).
      return ctx.access.tokenOperator(tokenHash, async (now) => {
        const page = await ctx.store.find<ApiToken>('api_tokens', { where: where.eq('tokenHash', tokenHash), limit: 1 });
        const record = page.items[0];
        if (!record || record.revokedAt) return null;
        const op = await ctx.store.get<Operator>('operators', record.operatorId);
        if (!op || !op.active) return null;
        // "Last used" is kept to the hour, so a busy token costs one write an hour, not one a request.
        if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
          await ctx.store.update<ApiToken>('api_tokens', record.id, { lastUsedAt: now }, record.version).catch((err) => {
            if (!isRapportError(err, 'CONFLICT')) throw err; // another request recorded it first
          });
        }
        return op;
      });
    },

    /** Revokes a token by its record id; a revoked token stops working at once. */
    revokeToken(tokenId: string): Promise<ApiToken> {
      return inUnit(ctx, async (unit) => {
        const record = await unit.load<ApiToken>('api_tokens', tokenId, 'api token');
        // Another operator's token is theirs: revoking it is administering operators.
        if (record.operatorId !== ctx.actorId) await requirePermission(ctx, 'operators', 'update', `${record.operatorId} (tokens)`);
        if (record.revokedAt) return record;
        return unit.save('api_tokens', record, { revokedAt: unit.now, updatedAt: unit.now });
      });
    },

    /** One page of an operator's API tokens, oldest first (follow `nextCursor` for the rest). */
    async tokens(operatorId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<ApiToken>> {
      if (operatorId !== ctx.actorId) await requirePermission(ctx, 'operators', 'update', `${operatorId} (tokens)`);
      return ctx.store.find<ApiToken>('api_tokens', {
        where: where.eq('operatorId', operatorId),
        sort: [{ field: 'createdAt' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },
  };
}
