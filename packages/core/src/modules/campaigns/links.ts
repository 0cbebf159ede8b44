import { inUnit, type Context, type Unit } from '../../context.js';
import type { Campaign, CampaignLink, RevenueKind } from '../../domain/sales-types.js';
import type { Partner } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { currency, money } from '../offers/money.js';
import { subtreeIds } from './tree.js';
import { readAll } from '../../store/find-all.js';

/** A transaction of the host application counted in a campaign (WinMENTOR: "Adaugă la costuri/venituri campanie"). */
export interface CampaignTransactionInput {
  docType: string;
  docId: string;
  number?: string | null;
  date: Date | string;
  /** Net of VAT, minor units; this is what the realized figures add up. */
  netAmount: number;
  vatAmount?: number;
  /** Default: the campaign's currency; another currency is refused. */
  currency?: string;
  partnerId?: string | null;
}

export interface CampaignRealized {
  campaignIds: string[];
  /** Net of VAT, per currency. */
  byCurrency: Array<{ currency: string; costs: number; revenueAccepted: number; revenueInvoiced: number; vat: number }>;
}

function checkTransaction(campaign: Campaign, input: CampaignTransactionInput) {
  if (!input || typeof input !== 'object') throw invalid('transaction', 'must be an object', input);
  const cur = input.currency === undefined ? campaign.currency : currency('transaction.currency', input.currency);
  if (cur !== campaign.currency) {
    throw invalid('transaction.currency', `must be the campaign's currency ${campaign.currency}; convert the amount before linking it`, cur);
  }
  return {
    docType: v.text('transaction.docType', input.docType, { max: 64 }),
    docId: v.text('transaction.docId', input.docId, { max: 128 }),
    number: v.text('transaction.number', input.number, { max: 128, optional: true }),
    date: v.date('transaction.date', input.date),
    netAmount: money('transaction.netAmount', input.netAmount),
    vatAmount: money('transaction.vatAmount', input.vatAmount ?? 0),
    currency: cur,
    partnerId: v.id('transaction.partnerId', input.partnerId, true),
  };
}

const REALIZED_FIELD = { cost: 'realizedCosts', accepted: 'realizedRevenueAccepted', invoiced: 'realizedRevenueInvoiced' } as const;

/** Host transactions counted in a campaign (WinMENTOR): costs, accepted and invoiced revenues. */
export function linksApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);

  const link = (campaignId: string, kind: 'cost' | 'revenue', revenueKind: RevenueKind | null, input: CampaignTransactionInput) =>
    run(async (unit) => {
      const campaign = await unit.load<Campaign>('campaigns', v.id('campaignId', campaignId), 'campaign');
      const tx = checkTransaction(campaign, input);
      if (tx.partnerId) await unit.load<Partner>('partners', tx.partnerId, 'partner', 'transaction.partnerId');
      const record: CampaignLink = { id: newId(unit.now.getTime()), version: 1, campaignId, kind, revenueKind, ...tx, createdAt: unit.now };
      try {
        await unit.tx.create('campaign_links', record);
      } catch (err) {
        if (err instanceof RapportError && err.code === 'CONFLICT') {
          throw new RapportError('CONFLICT', `${tx.docType} ${tx.docId} is already linked to campaign ${campaign.code} as ${kind}`, { cause: err });
        }
        throw err;
      }
      const field = REALIZED_FIELD[revenueKind ?? 'cost'];
      const saved = await unit.save('campaigns', campaign, { [field]: campaign[field] + tx.netAmount, updatedAt: unit.now } as Partial<Campaign>);
      await unit.timeline({
        partnerId: tx.partnerId,
        personId: null,
        kind: `campaign.${kind}_linked`,
        subjectType: 'campaign',
        subjectId: campaign.id,
        title: `${campaign.name}: ${tx.docType} ${tx.number ?? tx.docId}`,
        data: { linkId: record.id, revenueKind, docType: tx.docType, docId: tx.docId, netAmount: tx.netAmount, vatAmount: tx.vatAmount, currency: tx.currency },
      });
      unit.emit({ type: 'campaign.linked', link: record, campaign: saved });
      return record;
    });

  return {
    /** Counts a host cost transaction (net of VAT) in the campaign's realized costs. */
    linkCost(campaignId: string, input: CampaignTransactionInput): Promise<CampaignLink> {
      return link(campaignId, 'cost', null, input);
    },

    /** Counts a customer order (`accepted`) or an invoice (`invoiced`) in the realized revenues, net of VAT. */
    linkRevenue(campaignId: string, input: CampaignTransactionInput & { revenueKind: RevenueKind }): Promise<CampaignLink> {
      const kind = v.oneOf('transaction.revenueKind', input?.revenueKind, ['accepted', 'invoiced'] as const);
      return link(campaignId, 'revenue', kind, input);
    },

    /** Removes a linked transaction and takes its amount out of the realized figures. */
    unlink(linkId: string): Promise<Campaign> {
      return run(async (unit) => {
        const record = await unit.load<CampaignLink>('campaign_links', linkId, 'campaign link');
        const campaign = await unit.load<Campaign>('campaigns', record.campaignId, 'campaign');
        await unit.tx.delete('campaign_links', linkId);
        const field = REALIZED_FIELD[record.revenueKind ?? 'cost'];
        const saved = await unit.save('campaigns', campaign, { [field]: campaign[field] - record.netAmount, updatedAt: unit.now } as Partial<Campaign>);
        await unit.timeline({
          partnerId: record.partnerId,
          personId: null,
          kind: `campaign.${record.kind}_unlinked`,
          subjectType: 'campaign',
          subjectId: campaign.id,
          title: `${campaign.name}: ${record.docType} ${record.number ?? record.docId} removed`,
          data: { linkId, revenueKind: record.revenueKind, netAmount: record.netAmount, currency: record.currency },
        });
        unit.emit({ type: 'campaign.unlinked', link: record, campaign: saved });
        return saved;
      });
    },

    /** Transactions linked to a campaign, by date. */
    async links(campaignId: string): Promise<CampaignLink[]> {
      return await readAll<CampaignLink>(ctx.store, 'campaign_links', { where: where.eq('campaignId', campaignId), sort: [{ field: 'date' }] });
    },

    /** Realized costs and revenues (net of VAT) of a campaign, or of its whole subtree, per currency; summed by the store. */
    realized(campaignId: string, options: { subtree?: boolean } = {}): Promise<CampaignRealized> {
      return run(async (unit) => {
        await unit.load<Campaign>('campaigns', campaignId, 'campaign');
        const ids = options.subtree ? await subtreeIds(unit, campaignId) : [campaignId];
        const rows = await unit.tx.aggregate('campaign_links', {
          where: where.in('campaignId', ids),
          groupBy: ['currency', 'kind', 'revenueKind'],
          measures: { net: { fn: 'sum', field: 'netAmount' }, vat: { fn: 'sum', field: 'vatAmount' } },
        });
        const byCurrency = new Map<string, CampaignRealized['byCurrency'][number]>();
        for (const r of rows) {
          const cur = String(r.group.currency);
          const entry = byCurrency.get(cur) ?? { currency: cur, costs: 0, revenueAccepted: 0, revenueInvoiced: 0, vat: 0 };
          const net = r.values.net ?? 0;
          if (r.group.kind === 'cost') entry.costs += net;
          else if (r.group.revenueKind === 'accepted') entry.revenueAccepted += net;
          else entry.revenueInvoiced += net;
          entry.vat += r.values.vat ?? 0;
          byCurrency.set(cur, entry);
        }
        return { campaignIds: ids, byCurrency: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)) };
      });
    },
  };
}
