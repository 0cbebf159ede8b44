import { inUnit, type Context, type Unit } from '../../context.js';
import type { PartnerCompetitor } from '../../domain/sales-types.js';
import type { Partner, PartnerKind } from '../../domain/types.js';
import { invalid, notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { registerMember } from '../campaigns/members.js';
import { createPartner, type PartnerInput, type PartnerPatch } from './partner.js';
import { readAll } from '../../store/find-all.js';

export interface LeadInput extends Omit<PartnerInput, 'kind'> {
  campaignId?: string | null;
  level?: string;
  competitorIds?: string[];
}

async function setCompetitors(unit: Unit, partnerId: string, competitorIds: unknown): Promise<string[]> {
  await unit.load<Partner>('partners', v.id('partnerId', partnerId), 'partner');
  if (!Array.isArray(competitorIds)) throw invalid('competitorIds', 'must be a list of partner ids', competitorIds);
  const ids = [...new Set(competitorIds.map((c, i) => v.id(`competitorIds[${i}]`, c)))];
  for (const cid of ids) {
    if (cid === partnerId) throw invalid('competitorIds', 'must not contain the partner itself', cid);
    const competitor = await unit.load<Partner>('partners', cid, 'partner', 'competitorIds');
    if (competitor.kind !== 'competitor')
      throw invalid('competitorIds', `must be partners of kind competitor (${competitor.code} is a ${competitor.kind})`, cid);
  }
  const existing = await readAll<PartnerCompetitor>(unit.tx, 'partner_competitors', { where: where.eq('partnerId', partnerId) });
  for (const e of existing) if (!ids.includes(e.competitorId)) await unit.tx.delete('partner_competitors', e.id);
  for (const cid of ids) {
    if (existing.some((e) => e.competitorId === cid)) continue;
    await unit.tx.create<PartnerCompetitor>('partner_competitors', {
      id: newId(unit.now.getTime()),
      version: 1,
      partnerId,
      competitorId: cid,
      createdAt: unit.now,
    });
  }
  return ids;
}

/** Leads (partners of kind `lead`, from a campaign) and the competitors a partner is up against. */
export function leadsApi(ctx: Context, update: (id: string, patch: PartnerPatch, options: { expectedVersion?: number }) => Promise<Partner>) {
  return {
    /** Creates a lead (a partner of kind `lead`), registers it in a campaign and records its competitors, in one transaction. */
    createLead(input: LeadInput): Promise<Partner> {
      return inUnit(ctx, async (unit) => {
        const { campaignId, level, competitorIds, ...partnerInput } = input ?? ({} as LeadInput);
        const partner = await createPartner(unit, { ...partnerInput, kind: 'lead' }, ctx.settings.phoneCountry);
        if (competitorIds?.length) await setCompetitors(unit, partner.id, competitorIds);
        if (campaignId) await registerMember(unit, campaignId, partner.id, level);
        return partner;
      });
    },

    /** Replaces a partner's competitors (partners of kind `competitor`). */
    setCompetitors(partnerId: string, competitorIds: string[]): Promise<string[]> {
      return inUnit(ctx, (unit) => setCompetitors(unit, partnerId, competitorIds));
    },

    /** A partner's competitors. */
    async competitors(partnerId: string): Promise<Partner[]> {
      const links = await readAll<PartnerCompetitor>(ctx.store, 'partner_competitors', { where: where.eq('partnerId', partnerId) });
      if (links.length === 0) return [];
      return await readAll<Partner>(ctx.store, 'partners', {
        where: where.in(
          'id',
          links.map((l) => l.competitorId),
        ),
        sort: [{ field: 'name' }],
      });
    },

    /**
     * Turns a lead into a customer (or another kind): the same partner record, so its history,
     * campaigns, opportunities and competitors stay with it.
     */
    async convertLead(partnerId: string, options: { kind?: Exclude<PartnerKind, 'lead'>; expectedVersion?: number } = {}): Promise<Partner> {
      const partner = await ctx.store.get<Partner>('partners', v.id('partnerId', partnerId));
      if (!partner) throw notFound('partner', partnerId);
      if (partner.kind !== 'lead') throw invalid('partner.kind', `must be lead to convert partner ${partner.code}`, partner.kind);
      const kind = options.kind ?? 'customer';
      if ((kind as string) === 'lead') throw invalid('kind', 'must not be lead', kind);
      return update(partnerId, { kind }, { expectedVersion: options.expectedVersion ?? partner.version });
    },
  };
}
