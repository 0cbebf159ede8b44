import { inUnit, type Context, type Unit } from '../../context.js';
import type { Campaign, Pipeline, PipelineStage, StageAction } from '../../domain/sales-types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';

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

export function checkStages(value: unknown): PipelineStage[] {
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

export async function defaultPipeline(unit: Unit): Promise<Pipeline> {
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
export async function resolvePipeline(unit: Unit, campaignId: string | null, registerId: string | null): Promise<Pipeline> {
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

export function stageOf(pipeline: Pipeline, key: unknown): PipelineStage {
  const stage = pipeline.stages.find((s) => s.key === key);
  if (!stage) throw invalid('opportunity.stage', `is not a stage of pipeline ${pipeline.code} (${pipeline.stages.map((s) => s.key).join(', ')})`, key);
  return stage;
}

/** Pipelines: their stages, probabilities and what each stage allows. */
export function pipelinesApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);

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
      return readAll<Pipeline>(ctx.store, 'pipelines', { sort: [{ field: 'code' }] });
    },
  };
}
