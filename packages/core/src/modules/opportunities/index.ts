import { inUnit, type Context, type Unit, inRead } from '../../context.js';
import type { Opportunity, Pipeline } from '../../domain/sales-types.js';
import type { Partner } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import type { SalesHooks } from '../offers/documents.js';
import { currency, money } from '../offers/money.js';
import { checkPerson, summary, timelineOf, type OpportunityInput, type OpportunityPatch, type OpportunityQuery } from './fields.js';
import { forecastApi } from './forecast.js';
import { ordersApi } from './orders.js';
import { pipelinesApi, resolvePipeline, stageOf } from './pipelines.js';
import { recordStageChange, stagesApi } from './stages.js';

export type { OpportunityInput, OpportunityPatch, OpportunityQuery } from './fields.js';
export type { PipelineInput, PipelineStageInput } from './pipelines.js';
export type { Forecast, ForecastQuery, ForecastRow, ForecastGroup } from './forecast.js';
export { DEFAULT_PIPELINE_STAGES, DEFAULT_PIPELINE_CODE } from './pipelines.js';

/** Opportunities (okazje handlowe): a pipeline with probabilities, stage history, offers, orders, forecast. */
export function opportunitiesModule(ctx: Context, hooks: SalesHooks = {}) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const load = (unit: Unit, id: string) => unit.load<Opportunity>('opportunities', id, 'opportunity');

  return {
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

    ...pipelinesApi(ctx),
    ...stagesApi(ctx),
    ...ordersApi(ctx, hooks),
    ...forecastApi(ctx),
  };
}
