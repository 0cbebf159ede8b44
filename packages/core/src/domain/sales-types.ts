import type { StoredRecord } from '../store/schema.js';
import type { Timestamps } from './types.js';

/**
 * Records of sales and marketing: campaigns (kampanie), campaign members, host transactions
 * linked to campaigns, pipelines, opportunities (szanse / oportunități), offers (oferty) and
 * host documents (orders, pro formas, invoices). Money is always an integer in minor units
 * (grosze, cents) together with an ISO 4217 currency code.
 */

export const CAMPAIGN_STATUSES = ['planned', 'active', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A level of a campaign (poziom realizacji); optionally bound to a custom-field value (enova's cecha). */
export interface CampaignLevel {
  key: string;
  name: string;
  /** Reaching this level writes `partner.customFields[field] = value`. */
  customField: { field: string; value: string | number | boolean } | null;
}

/** A marketing campaign: a node of a tree of any depth. */
export interface Campaign extends StoredRecord, Timestamps {
  code: string;
  name: string;
  parentId: string | null;
  objective: string | null;
  /** Target segment (segment vizat). */
  segment: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  status: CampaignStatus;
  ownerId: string | null;
  currency: string;
  estimatedCosts: number;
  estimatedRevenues: number;
  /** Net of VAT, maintained from linked cost transactions. */
  realizedCosts: number;
  /** Net of VAT, from linked customer orders (venituri acceptate). */
  realizedRevenueAccepted: number;
  /** Net of VAT, from linked invoices (venituri facturate). */
  realizedRevenueInvoiced: number;
  /** Ordered levels members pass through. */
  levels: CampaignLevel[];
}

export const MEMBER_STATES = ['active', 'held', 'done'] as const;
/** `held` is enova's "zawieszony" (suspended) prospect. */
export type MemberState = (typeof MEMBER_STATES)[number];

/** A partner registered in a campaign at a level. */
export interface CampaignMember extends StoredRecord, Timestamps {
  campaignId: string;
  partnerId: string;
  level: string;
  state: MemberState;
}

export type CampaignLinkKind = 'cost' | 'revenue';
export type RevenueKind = 'accepted' | 'invoiced';

/** A host transaction counted in a campaign's realized costs or revenues. */
export interface CampaignLink extends StoredRecord {
  campaignId: string;
  kind: CampaignLinkKind;
  /** For revenue: `accepted` (customer orders) or `invoiced` (invoices); null for costs. */
  revenueKind: RevenueKind | null;
  docType: string;
  docId: string;
  number: string | null;
  date: Date;
  netAmount: number;
  vatAmount: number;
  currency: string;
  partnerId: string | null;
  createdAt: Date;
}

export type StageOutcome = 'open' | 'won' | 'lost';
export type StageAction = 'offer' | 'order';

/** One step of a pipeline. */
export interface PipelineStage {
  key: string;
  name: string;
  /** Chance of winning, 0..100 (whole percent). */
  probability: number;
  outcome: StageOutcome;
  /** What may be generated from an opportunity at this stage. */
  allows: StageAction[];
}

/** A sales pipeline; the default one is used unless a register or campaign has its own. */
export interface Pipeline extends StoredRecord, Timestamps {
  code: string;
  name: string;
  stages: PipelineStage[];
  registerId: string | null;
  campaignId: string | null;
}

export type OpportunityStatus = StageOutcome;

/** A sales opportunity (okazja handlowa / oportunitate). */
export interface Opportunity extends StoredRecord, Timestamps {
  name: string;
  partnerId: string;
  personId: string | null;
  campaignId: string | null;
  registerId: string | null;
  ownerId: string | null;
  pipelineId: string;
  stage: string;
  /** The outcome of the current stage: open until won or lost. */
  status: OpportunityStatus;
  amount: number;
  currency: string;
  expectedCloseAt: Date | null;
  closedAt: Date | null;
  lostReason: string | null;
  createdBy: string | null;
}

/** One recorded stage change (who, when, from, to, why). */
export interface StageChange extends StoredRecord {
  opportunityId: string;
  from: string | null;
  to: string;
  reason: string | null;
  actorId: string | null;
  at: Date;
}

export const OFFER_STATUSES = ['draft', 'sent', 'accepted', 'rejected', 'expired', 'cancelled'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/** One line of an offer, with its computed amounts. */
export interface OfferLine {
  item: string;
  description: string | null;
  /** Up to three decimals (2.5 kg). */
  quantity: number;
  unit: string | null;
  unitPrice: number;
  /** Percent, 0..100, up to two decimals. */
  discount: number;
  /** Percent, 0..100, up to two decimals. */
  vatRate: number;
  net: number;
}

export interface OfferTotals {
  net: number;
  vat: number;
  gross: number;
  /** VAT per rate, computed from the net sum of the rate's lines. */
  byRate: Array<{ vatRate: number; net: number; vat: number }>;
}

/** A commercial offer (oferta handlowa). */
export interface Offer extends StoredRecord, Timestamps {
  number: string;
  partnerId: string;
  personId: string | null;
  opportunityId: string | null;
  ownerId: string | null;
  currency: string;
  status: OfferStatus;
  validUntil: Date | null;
  lines: OfferLine[];
  totals: OfferTotals;
  note: string | null;
}

export type SalesDocumentType = 'order' | 'proforma' | 'invoice';

/** A document of the host application created from the CRM (order, pro forma, invoice). */
export interface SalesDocument extends StoredRecord, Timestamps {
  docType: SalesDocumentType;
  docId: string;
  number: string | null;
  date: Date;
  partnerId: string;
  opportunityId: string | null;
  offerId: string | null;
  netAmount: number | null;
  vatAmount: number | null;
  currency: string | null;
  status: 'active' | 'cancelled';
}

/** A competitor of a partner (a partner of kind `competitor`), as WinMENTOR's leads keep them. */
export interface PartnerCompetitor extends StoredRecord {
  partnerId: string;
  competitorId: string;
  createdAt: Date;
}

/** Active ISO 4217 currency codes. */
export const CURRENCY_CODES: readonly string[] = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD ' +
  'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN ' +
  'SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG ' +
  'XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL'
).split(' ');
