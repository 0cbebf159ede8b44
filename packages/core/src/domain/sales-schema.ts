import type { CollectionDef, FieldDef } from '../store/schema.js';

/** Collections of the sales modules (campaigns, opportunities, offers); listed in `coreCollections`. */

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const json: FieldDef = { type: 'json' };
const int: FieldDef = { type: 'integer' };
const optInt: FieldDef = { type: 'integer', nullable: true };
const id = optStr(64);
const stamps = { createdAt: date, updatedAt: date };

export const campaigns: CollectionDef = {
  name: 'campaigns',
  fields: {
    code: str(64),
    name: str(),
    parentId: id,
    objective: { type: 'text', nullable: true },
    segment: optStr(),
    startsAt: optDate,
    endsAt: optDate,
    status: str(16),
    ownerId: id,
    currency: str(3),
    estimatedCosts: int,
    estimatedRevenues: int,
    realizedCosts: int,
    realizedRevenueAccepted: int,
    realizedRevenueInvoiced: int,
    levels: json,
    ...stamps,
  },
  indexes: [
    { name: 'campaigns_code_uq', fields: ['code'], unique: true },
    { name: 'campaigns_parent', fields: ['parentId', 'name'] },
  ],
};

export const campaignMembers: CollectionDef = {
  name: 'campaign_members',
  fields: { campaignId: str(64), partnerId: str(64), level: str(64), state: str(16), ...stamps },
  indexes: [
    { name: 'campaign_members_uq', fields: ['campaignId', 'partnerId'], unique: true },
    { name: 'campaign_members_level', fields: ['campaignId', 'level', 'state'] },
    { name: 'campaign_members_partner', fields: ['partnerId'] },
  ],
};

export const campaignLinks: CollectionDef = {
  name: 'campaign_links',
  fields: {
    campaignId: str(64),
    kind: str(16),
    revenueKind: optStr(16),
    docType: str(64),
    docId: str(128),
    number: optStr(128),
    date,
    netAmount: int,
    vatAmount: int,
    currency: str(3),
    partnerId: id,
    createdAt: date,
  },
  indexes: [
    { name: 'campaign_links_doc_uq', fields: ['campaignId', 'kind', 'docType', 'docId'], unique: true },
    { name: 'campaign_links_doc', fields: ['docType', 'docId'] },
  ],
};

export const pipelines: CollectionDef = {
  name: 'pipelines',
  fields: { code: str(64), name: str(), stages: json, registerId: id, campaignId: id, ...stamps },
  indexes: [
    { name: 'pipelines_code_uq', fields: ['code'], unique: true },
    { name: 'pipelines_register', fields: ['registerId'] },
    { name: 'pipelines_campaign', fields: ['campaignId'] },
  ],
};

export const opportunities: CollectionDef = {
  name: 'opportunities',
  fields: {
    name: str(500),
    partnerId: str(64),
    personId: id,
    campaignId: id,
    registerId: id,
    ownerId: id,
    pipelineId: str(64),
    stage: str(64),
    status: str(16),
    amount: int,
    currency: str(3),
    expectedCloseAt: optDate,
    closedAt: optDate,
    lostReason: optStr(500),
    createdBy: id,
    ...stamps,
  },
  indexes: [
    { name: 'opportunities_partner', fields: ['partnerId', { field: 'createdAt', desc: true }] },
    // The forecast's filter (open, expected close in a window) plus every column it groups and
    // sums, so SQL stores answer it from the index alone.
    { name: 'opportunities_forecast', fields: ['status', 'expectedCloseAt', 'ownerId', 'campaignId', 'pipelineId', 'stage', 'currency', 'amount'] },
    // Which opportunities are at a stage (updatePipeline refuses to drop a stage in use).
    { name: 'opportunities_pipeline_stage', fields: ['pipelineId', 'stage'] },
    { name: 'opportunities_owner', fields: ['ownerId', 'status'] },
    { name: 'opportunities_campaign', fields: ['campaignId', 'status'] },
  ],
};

export const stageChanges: CollectionDef = {
  name: 'opportunity_stage_changes',
  fields: { opportunityId: str(64), from: optStr(64), to: str(64), reason: optStr(500), actorId: id, at: date },
  indexes: [{ name: 'opportunity_stage_changes_opp', fields: ['opportunityId', 'at'] }],
};

export const offers: CollectionDef = {
  name: 'offers',
  fields: {
    number: str(128),
    partnerId: str(64),
    personId: id,
    opportunityId: id,
    ownerId: id,
    currency: str(3),
    status: str(16),
    validUntil: optDate,
    lines: json,
    totals: json,
    note: { type: 'text', nullable: true },
    ...stamps,
  },
  indexes: [
    { name: 'offers_number_uq', fields: ['number'], unique: true },
    { name: 'offers_partner', fields: ['partnerId', { field: 'createdAt', desc: true }] },
    { name: 'offers_opportunity', fields: ['opportunityId'] },
    { name: 'offers_status_valid', fields: ['status', 'validUntil'] },
  ],
};

export const salesDocuments: CollectionDef = {
  name: 'sales_documents',
  fields: {
    docType: str(16),
    docId: str(128),
    number: optStr(128),
    date,
    partnerId: str(64),
    opportunityId: id,
    offerId: id,
    netAmount: optInt,
    vatAmount: optInt,
    currency: optStr(3),
    status: str(16),
    ...stamps,
  },
  indexes: [
    { name: 'sales_documents_doc_uq', fields: ['docType', 'docId'], unique: true },
    { name: 'sales_documents_partner', fields: ['partnerId', 'date'] },
    { name: 'sales_documents_opportunity', fields: ['opportunityId'] },
    { name: 'sales_documents_offer', fields: ['offerId'] },
  ],
};

export const partnerCompetitors: CollectionDef = {
  name: 'partner_competitors',
  fields: { partnerId: str(64), competitorId: str(64), createdAt: date },
  indexes: [
    { name: 'partner_competitors_uq', fields: ['partnerId', 'competitorId'], unique: true },
    { name: 'partner_competitors_competitor', fields: ['competitorId'] },
  ],
};

export const salesCollections: CollectionDef[] = [
  campaigns,
  campaignMembers,
  campaignLinks,
  pipelines,
  opportunities,
  stageChanges,
  offers,
  salesDocuments,
  partnerCompetitors,
];
