import type { Unit } from '../../context.js';
import type { Opportunity, OpportunityStatus } from '../../domain/sales-types.js';
import type { Person } from '../../domain/types.js';
import { invalid } from '../../errors.js';

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

export async function checkPerson(unit: Unit, personId: string | null, partnerId: string) {
  if (!personId) return;
  const person = await unit.load<Person>('persons', personId, 'person', 'opportunity.personId');
  if (person.partnerId && person.partnerId !== partnerId)
    throw invalid('opportunity.personId', `is a contact of another partner (${person.partnerId})`, personId);
}

export function timelineOf(opp: Opportunity) {
  return { partnerId: opp.partnerId, personId: opp.personId, subjectType: 'opportunity', subjectId: opp.id };
}

export function summary(opp: Opportunity) {
  return { name: opp.name, stage: opp.stage, status: opp.status, amount: opp.amount, currency: opp.currency, campaignId: opp.campaignId };
}
