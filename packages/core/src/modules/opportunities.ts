import { inUnit, type Context, type Unit, inRead } from '../context.js';
import type {
  Campaign,
  Offer,
  Opportunity,
  OpportunityStatus,
  Pipeline,
  PipelineStage,
  SalesDocument,
  StageAction,
  StageChange,
} from '../domain/sales-types.js';
import type { Partner, Person } from '../domain/types.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import type { GroupKey, Page } from '../store/store.js';
import * as v from '../validate.js';
import { createOffer, type OfferInput } from './offers.js';
import { checkHostDocument, markCancelled, recordDocument, withHostDocument, type SalesHooks } from './offers/documents.js';
import { currency, divRound, money } from './offers/money.js';

export interface PipelineStageInput {
  key: string;
  name?: string;
  probability: number;
  /** Default `open`; a pipeline needs at least one `won` and one `lost` stage. */
  outcome?: PipelineStage['outcome'];
  allows?: StageAction[];
}

export interface PipelineInput {
  code: string;
  name: string;
  stages: PipelineStageInput[];
  /** Opportunities of this register use the pipeline (unless their campaign has one). */
  registerId?: string | null;
  /** Opportunities of this campaign and its sub-campaigns use the pipeline. */
  campaignId?: string | null;
}

export interface OpportunityInput {
  name?: string;
  partnerId: string;
  personId?: string | null;
  campaignId?: string | null;
  registerId?: string | null;
  ownerId?: string | null;
  /** Minor units, never negative. */
  amount: number;
  /** ISO 4217. */
  currency: string;
  expectedCloseAt?: Date | string | null;
  /** Default: the first stage of the pipeline. */
  stage?: string;
  /** Default: the campaign's pipeline, else the register's, else the default pipeline. */
  pipelineId?: string;
}

export type OpportunityPatch = Partial<Pick<OpportunityInput, 'name' | 'personId' | 'ownerId' | 'amount' | 'currency' | 'expectedCloseAt' | 'campaignId'>>;

export interface OpportunityQuery {
  partnerId?: string;
  campaignId?: string;
  ownerId?: string;
  status?: OpportunityStatus | OpportunityStatus[];
  stage?: string;
  limit?: number;
  cursor?: string;
}

export type ForecastGroup = 'owner' | 'stage' | 'campaign' | 'month';

export interface ForecastQuery {
  /** Expected close on or after this instant. */
  from?: Date | string;
  /** Expected close before this instant. */
  to?: Date | string;
  groupBy: ForecastGroup;
  ownerId?: string;
  campaignId?: string;
}

export interface ForecastRow {
  /** Owner id, stage key, campaign id or `YYYY-MM`; null for "none". */
  key: string | null;
  currency: string;
  count: number;
  /** Sum of open amounts, minor units. */
  openAmount: number;
  /** Σ round(amount sum per stage × probability / 100), minor units. */
  weightedAmount: number;
}

export interface Forecast {
  groupBy: ForecastGroup;
  from: Date | null;
  to: Date | null;
  /** One row per group and currency: currencies are never added together. */
  rows: ForecastRow[];
  totals: Array<Omit<ForecastRow, 'key'>>;
}

/** WinMENTOR's stages: Prezentare, Ofertare, Negociere, Vânzare, Pierdut. */
export const DEFAULT_PIPELINE_STAGES: PipelineStage[] = [
  { key: 'presentation', name: 'Presentation', probability: 10, outcome: 'open', allows: [] },
  { key: 'offering', name: 'Offering', probability: 30, outcome: 'open', allows: ['offer'] },
  { key: 'negotiation', name: 'Negotiation', probability: 60, outcome: 'open', allows: ['order'] },
  { key: 'won', name: 'Won', probability: 100, outcome: 'won', allows: [] },
  { key: 'lost', name: 'Lost', probability: 0, outcome: 'lost', allows: [] },
];
export const DEFAULT_PIPELINE_CODE = 'DEFAULT';

const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const GROUP_FIELD = { owner: 'ownerId', stage: 'stage', campaign: 'campaignId', month: 'expectedCloseAt' } as const;

function checkStages(value: unknown): PipelineStage[] {
  if (!Array.isArray(value) || value.length < 2) throw invalid('pipeline.stages', 'must list at least two stages', value);
  const stages = value.map((raw, i): PipelineStage => {
    const s = raw as PipelineStageInput;
    const f = `pipeline.stages[${i}]`;
    if (typeof s?.key !== 'string' || !KEY.test(s.key)) throw invalid(`${f}.key`, 'must be lower-case letters, digits, "_" or "-"', s?.key);
    const probability = v.integer(`${f}.probability`, s.probability, { min: 0 });
    if (probability > 100) throw invalid(`${f}.probability`, 'must be between 0 and 100', probability);
    const outcome = v.oneOf(`${f}.outcome`, s.outcome ?? 'open', ['open', 'won', 'lost'] as const);
    const allows = (s.allows ?? []).map((a, j) => v.oneOf(`${f}.allows[${j}]`, a, ['offer', 'order'] as const));
    return { key: s.key, name: v.text(`${f}.name`, s.name ?? s.key, {}), probability, outcome, allows };
  });
  const keys = new Set(stages.map((s) => s.key));
  if (keys.size !== stages.length)
    throw invalid(
      'pipeline.stages',
      'must not repeat a stage key',
      stages.map((s) => s.key),
    );
  for (const outcome of ['open', 'won', 'lost'] as const) {
    if (!stages.some((s) => s.outcome === outcome))
      throw invalid(
        'pipeline.stages',
        `must include a stage with outcome ${outcome}`,
        stages.map((s) => s.key),
      );
  }
  return stages;
}

async function defaultPipeline(unit: Unit): Promise<Pipeline> {
  const found = await unit.tx.find<Pipeline>('pipelines', { where: where.eq('code', DEFAULT_PIPELINE_CODE), limit: 1 });
  if (found.items[0]) return found.items[0];
  const pipeline: Pipeline = {
    id: newId(unit.now.getTime()),
    version: 1,
    code: DEFAULT_PIPELINE_CODE,
    name: 'Sales',
    stages: DEFAULT_PIPELINE_STAGES,
    registerId: null,
    campaignId: null,
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('pipelines', pipeline);
  return pipeline;
}

/** The pipeline an opportunity uses: its campaign's (nearest ancestor), else its register's, else the default. */
async function resolvePipeline(unit: Unit, campaignId: string | null, registerId: string | null): Promise<Pipeline> {
  for (let cursor = campaignId, depth = 0; cursor && depth < 100; depth++) {
    const bound = await unit.tx.find<Pipeline>('pipelines', { where: where.eq('campaignId', cursor), limit: 1 });
    if (bound.items[0]) return bound.items[0];
    cursor = (await unit.load<Campaign>('campaigns', cursor, 'campaign')).parentId;
  }
  if (registerId) {
    const bound = await unit.tx.find<Pipeline>('pipelines', { where: where.eq('registerId', registerId), limit: 1 });
    if (bound.items[0]) return bound.items[0];
  }
  return defaultPipeline(unit);
}

function stageOf(pipeline: Pipeline, key: unknown): PipelineStage {
  const stage = pipeline.stages.find((s) => s.key === key);
  if (!stage) throw invalid('opportunity.stage', `is not a stage of pipeline ${pipeline.code} (${pipeline.stages.map((s) => s.key).join(', ')})`, key);
  return stage;
}

async function checkPerson(unit: Unit, personId: string | null, partnerId: string) {
  if (!personId) return;
  const person = await unit.load<Person>('persons', personId, 'person', 'opportunity.personId');
  if (person.partnerId && person.partnerId !== partnerId)
    throw invalid('opportunity.personId', `is a contact of another partner (${person.partnerId})`, personId);
}

function timelineOf(opp: Opportunity) {
  return { partnerId: opp.partnerId, personId: opp.personId, subjectType: 'opportunity', subjectId: opp.id };
}

function summary(opp: Opportunity) {
  return { name: opp.name, stage: opp.stage, status: opp.status, amount: opp.amount, currency: opp.currency, campaignId: opp.campaignId };
}

async function recordStageChange(unit: Unit, opp: Opportunity, from: string | null, reason: string | null) {
  const change: StageChange = {
    id: newId(unit.now.getTime()),
    version: 1,
    opportunityId: opp.id,
    from,
    to: opp.stage,
    reason,
    actorId: unit.actorId,
    at: unit.now,
  };
  await unit.tx.create('opportunity_stage_changes', change);
  if (from !== null) await unit.audit('opportunity', opp.id, 'stage', from, opp.stage);
  return change;
}

/** Moves an opportunity to a stage of its pipeline; leaving the stage is recorded with who, when and why. */
async function moveStage(unit: Unit, opp: Opportunity, to: string, reason: string | null, expectedVersion?: number): Promise<Opportunity> {
  const pipeline = await unit.load<Pipeline>('pipelines', opp.pipelineId, 'pipeline');
  const stage = stageOf(pipeline, to);
  if (stage.key === opp.stage) return opp;
  if (stage.outcome === 'lost' && !reason) throw invalid('opportunity.lostReason', `is required to move ${opp.name} to ${stage.key}`, reason ?? '');
  const saved = await unit.save(
    'opportunities',
    opp,
    {
      stage: stage.key,
      status: stage.outcome,
      closedAt: stage.outcome === 'open' ? null : unit.now,
      lostReason: stage.outcome === 'lost' ? reason : null,
      updatedAt: unit.now,
    },
    expectedVersion,
  );
  const change = await recordStageChange(unit, saved, opp.stage, reason);
  const kind = stage.outcome === 'won' ? 'opportunity.won' : stage.outcome === 'lost' ? 'opportunity.lost' : 'opportunity.stage_changed';
  await unit.timeline({
    ...timelineOf(saved),
    kind,
    title: `${saved.name}: ${opp.stage} → ${stage.key}${reason ? ` (${reason})` : ''}`,
    data: { ...summary(saved), from: opp.stage, to: stage.key, probability: stage.probability, reason },
  });
  unit.emit({ type: 'opportunity.stage_changed', opportunity: saved, change });
  return saved;
}

async function requireAction(unit: Unit, opp: Opportunity, action: StageAction) {
  const pipeline = await unit.load<Pipeline>('pipelines', opp.pipelineId, 'pipeline');
  const stage = stageOf(pipeline, opp.stage);
  if (!stage.allows.includes(action)) {
    const at = pipeline.stages.filter((s) => s.allows.includes(action)).map((s) => s.key);
    throw invalid('opportunity.stage', `must be ${at.join(' or ') || '(no stage of this pipeline)'} to generate an ${action} from ${opp.name}`, opp.stage);
  }
}

/** Opportunities (okazje handlowe): a pipeline with probabilities, stage history, offers, orders, forecast. */
export function opportunitiesModule(ctx: Context, hooks: SalesHooks = {}) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const load = (unit: Unit, id: string) => unit.load<Opportunity>('opportunities', id, 'opportunity');

  return {
    /** Defines a pipeline, optionally bound to a register or a campaign; code `DEFAULT` replaces the built-in one before first use. */
    definePipeline(input: PipelineInput): Promise<Pipeline> {
      return run(async (unit) => {
        if (!input || typeof input !== 'object') throw invalid('pipeline', 'must be an object', input);
        const code = v.text('pipeline.code', input.code, { max: 64 }).toUpperCase();
        const registerId = v.id('pipeline.registerId', input.registerId, true);
        const campaignId = v.id('pipeline.campaignId', input.campaignId, true);
        if (registerId && campaignId) throw invalid('pipeline', 'binds to a register or a campaign, not both', { registerId, campaignId });
        if (registerId) await unit.load('registers', registerId, 'register', 'pipeline.registerId');
        if (campaignId) await unit.load('campaigns', campaignId, 'campaign', 'pipeline.campaignId');
        for (const [field, value] of [
          ['code', code],
          ['registerId', registerId],
          ['campaignId', campaignId],
        ] as const) {
          if (!value) continue;
          const clash = await unit.tx.find<Pipeline>('pipelines', { where: where.eq(field, value), limit: 1 });
          if (clash.items[0]) throw new RapportError('CONFLICT', `pipeline.${field} ${value} already has pipeline ${clash.items[0].code}`);
        }
        const pipeline: Pipeline = {
          id: newId(unit.now.getTime()),
          version: 1,
          code,
          name: v.text('pipeline.name', input.name, {}),
          stages: checkStages(input.stages),
          registerId,
          campaignId,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('pipelines', pipeline);
        return pipeline;
      });
    },

    /**
     * Changes a pipeline: its name, and its stages (names, probabilities, allowed actions, order,
     * new stages). Forecasts weigh by the new probabilities at once. A stage that opportunities
     * are at keeps its key and its outcome: removing it or changing its outcome is a CONFLICT
     * saying how many are there (move them first). Stage keys are the stages' identity.
     */
    updatePipeline(id: string, patch: { name?: string; stages?: PipelineStageInput[] }, expectedVersion?: number): Promise<Pipeline> {
      return run(async (unit) => {
        const pipeline = await unit.load<Pipeline>('pipelines', v.id('pipeline.id', id), 'pipeline');
        if (!patch || typeof patch !== 'object') throw invalid('pipeline', 'must be an object', patch);
        const given = v.definedOnly(patch);
        const changes: Partial<Pipeline> = { updatedAt: unit.now };
        if ('name' in given) changes.name = v.text('pipeline.name', given.name, {});
        if ('stages' in given) {
          const stages = checkStages(given.stages);
          for (const old of pipeline.stages) {
            const now = stages.find((s) => s.key === old.key);
            if (now && now.outcome === old.outcome) continue;
            const at = await unit.tx.count('opportunities', where.and(where.eq('pipelineId', pipeline.id), where.eq('stage', old.key)));
            if (at === 0) continue;
            const what = now ? `change the outcome of stage ${old.key} from ${old.outcome} to ${now.outcome}` : `remove stage ${old.key}`;
            throw new RapportError(
              'CONFLICT',
              `pipeline ${pipeline.code}: cannot ${what}: ${at} opportunit${at === 1 ? 'y is' : 'ies are'} at it; move them to another stage first`,
              {
                details: { field: 'pipeline.stages', stage: old.key, opportunities: at },
              },
            );
          }
          changes.stages = stages;
          const summary = (list: PipelineStage[]) => list.map((s) => `${s.key}:${s.probability}`).join(',');
          await unit.audit('pipeline', pipeline.id, 'stages', summary(pipeline.stages), summary(stages));
        }
        return unit.save('pipelines', pipeline, changes, expectedVersion);
      });
    },

    /** The pipeline with this id, or the default one (created on first use). */
    pipeline(id?: string): Promise<Pipeline> {
      return run((unit) => (id ? unit.load<Pipeline>('pipelines', id, 'pipeline') : defaultPipeline(unit)));
    },

    async pipelines(): Promise<Pipeline[]> {
      return (await ctx.store.find<Pipeline>('pipelines', { sort: [{ field: 'code' }], limit: 10_000 })).items;
    },

    /** Opens an opportunity for a partner; the first stage change (none → stage) is recorded. */
    create(input: OpportunityInput): Promise<Opportunity> {
      return run(async (unit) => {
        if (!input || typeof input !== 'object') throw invalid('opportunity', 'must be an object', input);
        const partnerId = v.id('opportunity.partnerId', input.partnerId);
        const partner = await unit.load<Partner>('partners', partnerId, 'partner', 'opportunity.partnerId');
        const personId = v.id('opportunity.personId', input.personId, true);
        await checkPerson(unit, personId, partnerId);
        const campaignId = v.id('opportunity.campaignId', input.campaignId, true);
        if (campaignId) await unit.load('campaigns', campaignId, 'campaign', 'opportunity.campaignId');
        const registerId = v.id('opportunity.registerId', input.registerId, true);
        if (registerId) await unit.load('registers', registerId, 'register', 'opportunity.registerId');
        const ownerId = v.id('opportunity.ownerId', input.ownerId, true) ?? partner.ownerId ?? unit.actorId;
        if (ownerId) await unit.load('operators', ownerId, 'operator', 'opportunity.ownerId');
        const amount = money('opportunity.amount', input.amount);
        const cur = currency('opportunity.currency', input.currency);
        const expectedCloseAt = v.date('opportunity.expectedCloseAt', input.expectedCloseAt, true);
        const pipeline = input.pipelineId
          ? await unit.load<Pipeline>('pipelines', v.id('opportunity.pipelineId', input.pipelineId), 'pipeline', 'opportunity.pipelineId')
          : await resolvePipeline(unit, campaignId, registerId);
        const stage = input.stage === undefined ? pipeline.stages.find((s) => s.outcome === 'open')! : stageOf(pipeline, input.stage);
        const opp: Opportunity = {
          id: newId(unit.now.getTime()),
          version: 1,
          name: v.text('opportunity.name', input.name ?? partner.name, { max: 500 }),
          partnerId,
          personId,
          campaignId,
          registerId,
          ownerId,
          pipelineId: pipeline.id,
          stage: stage.key,
          status: stage.outcome,
          amount,
          currency: cur,
          expectedCloseAt,
          closedAt: stage.outcome === 'open' ? null : unit.now,
          lostReason: null,
          createdBy: unit.actorId,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        if (stage.outcome === 'lost') throw invalid('opportunity.stage', 'must not be a lost stage for a new opportunity', stage.key);
        await unit.tx.create('opportunities', opp);
        await recordStageChange(unit, opp, null, null);
        await unit.timeline({ ...timelineOf(opp), kind: 'opportunity.created', title: `${opp.name} (${stage.key})`, data: summary(opp) });
        unit.emit({ type: 'opportunity.created', opportunity: opp });
        return opp;
      });
    },

    get(id: string): Promise<Opportunity> {
      return inRead(ctx, (unit) => load(unit, id));
    },

    /** Changes the given fields; owner, amount and expected close are audited. */
    update(id: string, given: OpportunityPatch, options: { expectedVersion?: number } = {}): Promise<Opportunity> {
      return run(async (unit) => {
        const opp = await load(unit, id);
        const patch = v.definedOnly(given ?? {});
        const fields: Partial<Opportunity> = {};
        if ('name' in patch) fields.name = v.text('opportunity.name', patch.name, { max: 500 });
        if ('personId' in patch) {
          fields.personId = v.id('opportunity.personId', patch.personId, true);
          await checkPerson(unit, fields.personId, opp.partnerId);
        }
        if ('ownerId' in patch) {
          fields.ownerId = v.id('opportunity.ownerId', patch.ownerId, true);
          if (fields.ownerId) await unit.load('operators', fields.ownerId, 'operator', 'opportunity.ownerId');
        }
        if ('campaignId' in patch) {
          fields.campaignId = v.id('opportunity.campaignId', patch.campaignId, true);
          if (fields.campaignId) await unit.load('campaigns', fields.campaignId, 'campaign', 'opportunity.campaignId');
        }
        if ('amount' in patch) fields.amount = money('opportunity.amount', patch.amount);
        if ('currency' in patch) fields.currency = currency('opportunity.currency', patch.currency);
        if ('expectedCloseAt' in patch) fields.expectedCloseAt = v.date('opportunity.expectedCloseAt', patch.expectedCloseAt, true);
        const changed = v.changedFields(opp, fields);
        const saved = await unit.save('opportunities', opp, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        for (const field of ['ownerId', 'amount', 'currency', 'expectedCloseAt'] as const) {
          if (changed.includes(field)) await unit.audit('opportunity', id, field, opp[field], saved[field]);
        }
        unit.emit({ type: 'opportunity.updated', opportunity: saved, changed });
        return saved;
      });
    },

    /** Moves to a stage of the opportunity's pipeline (a `lost` stage needs a reason); recorded and audited. */
    moveStage(id: string, stage: string, options: { reason?: string; expectedVersion?: number } = {}): Promise<Opportunity> {
      return run(async (unit) =>
        moveStage(unit, await load(unit, id), stage, v.text('opportunity.reason', options.reason, { max: 500, optional: true }), options.expectedVersion),
      );
    },

    /** Moves to the pipeline's won stage. */
    win(id: string, options: { expectedVersion?: number } = {}): Promise<Opportunity> {
      return run(async (unit) => {
        const opp = await load(unit, id);
        const pipeline = await unit.load<Pipeline>('pipelines', opp.pipelineId, 'pipeline');
        return moveStage(unit, opp, pipeline.stages.find((s) => s.outcome === 'won')!.key, null, options.expectedVersion);
      });
    },

    /** Moves to the pipeline's lost stage, with the reason it was lost. */
    lose(id: string, reason: string, options: { expectedVersion?: number } = {}): Promise<Opportunity> {
      return run(async (unit) => {
        const opp = await load(unit, id);
        const pipeline = await unit.load<Pipeline>('pipelines', opp.pipelineId, 'pipeline');
        const text = v.text('opportunity.lostReason', reason, { max: 500 });
        return moveStage(unit, opp, pipeline.stages.find((s) => s.outcome === 'lost')!.key, text, options.expectedVersion);
      });
    },

    /** Every stage change of an opportunity, oldest first. */
    async stageHistory(id: string): Promise<StageChange[]> {
      return (await ctx.store.find<StageChange>('opportunity_stage_changes', { where: where.eq('opportunityId', id), sort: [{ field: 'at' }], limit: 10_000 }))
        .items;
    },

    list(query: OpportunityQuery = {}): Promise<Page<Opportunity>> {
      const statuses = query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status];
      return ctx.store.find<Opportunity>('opportunities', {
        where: where.and(
          query.partnerId ? where.eq('partnerId', query.partnerId) : undefined,
          query.campaignId ? where.eq('campaignId', query.campaignId) : undefined,
          query.ownerId ? where.eq('ownerId', query.ownerId) : undefined,
          statuses ? where.in('status', statuses) : undefined,
          query.stage ? where.eq('stage', query.stage) : undefined,
        ),
        sort: [{ field: 'createdAt', direction: 'desc' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Generates a draft offer from an opportunity at a stage that allows offers (offering). */
    generateOffer(id: string, input: Omit<OfferInput, 'partnerId' | 'opportunityId' | 'currency'> & { currency?: string }): Promise<Offer> {
      return run(async (unit) => {
        const opp = await load(unit, id);
        await requireAction(unit, opp, 'offer');
        return createOffer(unit, {
          ...input,
          partnerId: opp.partnerId,
          opportunityId: opp.id,
          personId: input?.personId !== undefined ? input.personId : opp.personId,
          ownerId: input?.ownerId !== undefined ? input.ownerId : opp.ownerId,
          currency: input?.currency ?? opp.currency,
        });
      });
    },

    /**
     * Creates a customer order in the host application (`hooks.createOrder`) from an opportunity at
     * a stage that allows orders (negotiation), and links it into the partner history.
     */
    async createOrder(id: string): Promise<SalesDocument> {
      if (!hooks.createOrder) throw new RapportError('VALIDATION', 'creating an order needs a host handler: pass hooks.createOrder to createCrm');
      const { opp, partner, offer } = await run(async (unit) => {
        const opp = await load(unit, id);
        await requireAction(unit, opp, 'order');
        const partner = await unit.load<Partner>('partners', opp.partnerId, 'partner');
        if (partner.salesBlocked) throw invalid('partner', `${partner.code} has a sales block; no order can be issued`, partner.id);
        const offers = (
          await unit.tx.find<Offer>('offers', {
            where: where.and(where.eq('opportunityId', id), where.in('status', ['accepted', 'sent'])),
            sort: [{ field: 'createdAt', direction: 'desc' }],
            limit: 100,
          })
        ).items;
        return { opp, partner, offer: offers.find((o) => o.status === 'accepted') ?? offers[0] ?? null };
      });
      return withHostDocument(
        hooks,
        'order',
        () => hooks.createOrder!({ opportunity: opp, partner, offer }),
        (doc) =>
          run(async (unit) => {
            const current = await load(unit, id);
            if (current.version !== opp.version)
              throw new RapportError('CONFLICT', `opportunity ${opp.name} changed while the order was being created; try again`);
            const checked = checkHostDocument('hooks.createOrder result', doc, unit.now);
            const saved = await unit.save('opportunities', current, { updatedAt: unit.now });
            return recordDocument(
              unit,
              'order',
              { ...checked, currency: checked.currency ?? opp.currency },
              { partnerId: saved.partnerId, opportunityId: saved.id, offerId: offer?.id ?? null },
            );
          }),
      );
    },

    /** Cancels an order created from an opportunity (host first through `hooks.cancelDocument`). */
    async cancelOrder(documentId: string, options: { reason?: string } = {}): Promise<SalesDocument> {
      const doc = await ctx.store.get<SalesDocument>('sales_documents', v.id('documentId', documentId));
      if (!doc || !doc.opportunityId) throw new RapportError('NOT_FOUND', `order ${JSON.stringify(documentId)} of an opportunity does not exist`);
      if (doc.status === 'cancelled') throw invalid('document', `${doc.docType} ${doc.number ?? doc.docId} is already cancelled`, documentId);
      const reason = v.text('reason', options.reason, { max: 500, optional: true });
      if (hooks.cancelDocument) await hooks.cancelDocument({ docType: doc.docType, docId: doc.docId, number: doc.number });
      return run(async (unit) => markCancelled(unit, await unit.load<SalesDocument>('sales_documents', documentId, 'document'), reason));
    },

    /**
     * Open amount and probability-weighted amount of open opportunities expected to close in
     * [from, to), per group and per currency. The store sums per (group, pipeline, stage, currency);
     * core weights each sum with its stage's probability (rounded half up) and adds them.
     */
    async forecast(query: ForecastQuery): Promise<Forecast> {
      const groupBy = v.oneOf('forecast.groupBy', query?.groupBy, ['owner', 'stage', 'campaign', 'month'] as const);
      const from = v.date('forecast.from', query.from, true);
      const to = v.date('forecast.to', query.to, true);
      if (from && to && to.getTime() < from.getTime()) throw invalid('forecast.to', `must not be before from ${from.toISOString()}`, to);
      const field = GROUP_FIELD[groupBy];
      const rows = await ctx.store.aggregate('opportunities', {
        where: where.and(
          where.eq('status', 'open'),
          from ? where.gte('expectedCloseAt', from) : undefined,
          to ? where.lt('expectedCloseAt', to) : undefined,
          query.ownerId ? where.eq('ownerId', query.ownerId) : undefined,
          query.campaignId ? where.eq('campaignId', query.campaignId) : undefined,
        ),
        groupBy: ([groupBy === 'month' ? { field, granularity: 'month' } : field, 'pipelineId', 'stage', 'currency'] satisfies GroupKey[]).filter(
          (k, i, all) => all.indexOf(k) === i,
        ),
        measures: { n: { fn: 'count' }, amount: { fn: 'sum', field: 'amount' } },
      });
      const pipelines = new Map((await ctx.store.find<Pipeline>('pipelines', { limit: 10_000 })).items.map((p) => [p.id, p]));
      const groups = new Map<string, ForecastRow>();
      const totals = new Map<string, Omit<ForecastRow, 'key'>>();
      for (const r of rows) {
        const key = r.group[field] === null || r.group[field] === undefined ? null : String(r.group[field]);
        const cur = String(r.group.currency);
        const stage = pipelines.get(String(r.group.pipelineId))?.stages.find((s) => s.key === r.group.stage);
        const amount = r.values.amount ?? 0;
        const count = r.values.n ?? 0;
        const weighted = Number(divRound(BigInt(amount) * BigInt(stage?.probability ?? 0), 100n));
        const id = JSON.stringify([key, cur]);
        const g = groups.get(id) ?? { key, currency: cur, count: 0, openAmount: 0, weightedAmount: 0 };
        const t = totals.get(cur) ?? { currency: cur, count: 0, openAmount: 0, weightedAmount: 0 };
        for (const acc of [g, t]) {
          acc.count += count;
          acc.openAmount += amount;
          acc.weightedAmount += weighted;
        }
        groups.set(id, g);
        totals.set(cur, t);
      }
      const byKey = (a: { key: string | null; currency: string }, b: { key: string | null; currency: string }) =>
        (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff') || a.currency.localeCompare(b.currency);
      return {
        groupBy,
        from,
        to,
        rows: [...groups.values()].sort(byKey),
        totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      };
    },
  };
}
