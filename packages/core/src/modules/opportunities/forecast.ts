import type { Context } from '../../context.js';
import type { Pipeline } from '../../domain/sales-types.js';
import { invalid } from '../../errors.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import type { GroupKey } from '../../store/store.js';
import * as v from '../../validate.js';
import { divRound } from '../offers/money.js';

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

const GROUP_FIELD = { owner: 'ownerId', stage: 'stage', campaign: 'campaignId', month: 'expectedCloseAt' } as const;

/** The sales forecast over open opportunities. */
export function forecastApi(ctx: Context) {
  return {
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
      const pipelines = new Map((await readAll<Pipeline>(ctx.store, 'pipelines')).map((p) => [p.id, p]));
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
