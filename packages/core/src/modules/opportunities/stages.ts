import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import type { Opportunity, Pipeline, StageAction, StageChange } from '../../domain/sales-types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { summary, timelineOf } from './fields.js';
import { stageOf } from './pipelines.js';

export async function recordStageChange(unit: Unit, opp: Opportunity, from: string | null, reason: string | null) {
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
export async function moveStage(unit: Unit, opp: Opportunity, to: string, reason: string | null, expectedVersion?: number): Promise<Opportunity> {
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

export async function requireAction(unit: Unit, opp: Opportunity, action: StageAction) {
  const pipeline = await unit.load<Pipeline>('pipelines', opp.pipelineId, 'pipeline');
  const stage = stageOf(pipeline, opp.stage);
  if (!stage.allows.includes(action)) {
    const at = pipeline.stages.filter((s) => s.allows.includes(action)).map((s) => s.key);
    throw invalid('opportunity.stage', `must be ${at.join(' or ') || '(no stage of this pipeline)'} to generate an ${action} from ${opp.name}`, opp.stage);
  }
}

/** Moving opportunities through their pipeline's stages, and the record of those moves. */
export function stagesApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const load = (unit: Unit, id: string) => unit.load<Opportunity>('opportunities', id, 'opportunity');

  return {
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

    /** Every stage change of an opportunity, oldest first; NOT_FOUND for one the operator may not read. */
    async stageHistory(id: string): Promise<StageChange[]> {
      await inRead(ctx, (unit) => unit.load('opportunities', id, 'opportunity'));
      return readAll<StageChange>(ctx.store, 'opportunity_stage_changes', { where: where.eq('opportunityId', id), sort: [{ field: 'at' }] });
    },
  };
}
