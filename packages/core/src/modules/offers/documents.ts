import type { Unit } from '../../context.js';
import type { Offer, OfferLine, Opportunity, SalesDocument, SalesDocumentType } from '../../domain/sales-types.js';
import type { Partner } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import * as v from '../../validate.js';
import { currency, money } from './money.js';

/** What the host application returns for a document it created (order, pro forma, invoice). */
export interface HostDocument {
  docId: string;
  number?: string | null;
  date?: Date | string | null;
  /** Minor units, net of VAT. */
  netAmount?: number | null;
  vatAmount?: number | null;
  currency?: string | null;
}

export interface OrderRequest {
  opportunity: Opportunity;
  partner: Partner;
  /** The latest accepted (else sent) offer of the opportunity, when there is one. */
  offer: Offer | null;
}

export interface ConvertRequest {
  target: SalesDocumentType;
  offer: Offer;
  partner: Partner;
  lines: OfferLine[];
}

/**
 * Calls into the host application (the ERP owns orders and invoices). Hooks are called outside
 * the CRM's transaction; when recording the result fails, `cancelDocument` is called to undo it.
 */
export interface SalesHooks {
  /** Creates a customer order from an opportunity at a stage that allows orders (negotiation). */
  createOrder?(request: OrderRequest): Promise<HostDocument>;
  /** Turns an offer into an order, a pro forma or an invoice. */
  convertOffer?(request: ConvertRequest): Promise<HostDocument>;
  /** Cancels (or deletes) a host document the CRM created. */
  cancelDocument?(document: { docType: SalesDocumentType; docId: string; number: string | null }): Promise<void>;
}

export function checkHostDocument(field: string, doc: HostDocument | null | undefined, fallbackDate: Date) {
  if (!doc || typeof doc !== 'object') throw invalid(field, 'must be the created document ({ docId, number, ... })', doc);
  return {
    docId: v.text(`${field}.docId`, doc.docId, { max: 128 }),
    number: v.text(`${field}.number`, doc.number, { max: 128, optional: true }),
    date: doc.date ? v.date(`${field}.date`, doc.date) : fallbackDate,
    netAmount: doc.netAmount === undefined || doc.netAmount === null ? null : money(`${field}.netAmount`, doc.netAmount),
    vatAmount: doc.vatAmount === undefined || doc.vatAmount === null ? null : money(`${field}.vatAmount`, doc.vatAmount),
    currency: doc.currency ? currency(`${field}.currency`, doc.currency) : null,
  };
}

/** Records a host document and puts it into the partner history. */
export async function recordDocument(
  unit: Unit,
  docType: SalesDocumentType,
  doc: ReturnType<typeof checkHostDocument>,
  links: { partnerId: string; opportunityId: string | null; offerId: string | null },
): Promise<SalesDocument> {
  const record: SalesDocument = {
    id: newId(unit.now.getTime()),
    version: 1,
    docType,
    ...doc,
    ...links,
    status: 'active',
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  try {
    await unit.tx.create('sales_documents', record);
  } catch (err) {
    if (err instanceof RapportError && err.code === 'CONFLICT') {
      throw new RapportError('CONFLICT', `${docType} ${doc.docId} is already linked to the CRM`, { cause: err });
    }
    throw err;
  }
  await unit.timeline({
    partnerId: links.partnerId,
    personId: null,
    kind: 'document.linked',
    subjectType: 'sales_document',
    subjectId: record.id,
    title: `${docType} ${doc.number ?? doc.docId}`,
    data: {
      docType,
      docId: doc.docId,
      number: doc.number,
      netAmount: doc.netAmount,
      vatAmount: doc.vatAmount,
      currency: doc.currency,
      opportunityId: links.opportunityId,
      offerId: links.offerId,
    },
  });
  unit.emit({ type: 'document.linked', document: record });
  return record;
}

/** Marks a recorded document cancelled (after the host cancelled it) and notes it in the history. */
export async function markCancelled(unit: Unit, doc: SalesDocument, reason: string | null): Promise<SalesDocument> {
  if (doc.status === 'cancelled') throw invalid('document', `${doc.docType} ${doc.number ?? doc.docId} is already cancelled`, doc.id);
  const saved = await unit.save('sales_documents', doc, { status: 'cancelled', updatedAt: unit.now });
  await unit.audit('sales_document', doc.id, 'status', 'active', 'cancelled');
  await unit.timeline({
    partnerId: doc.partnerId,
    personId: null,
    kind: 'document.cancelled',
    subjectType: 'sales_document',
    subjectId: doc.id,
    title: `${doc.docType} ${doc.number ?? doc.docId} cancelled`,
    data: { docType: doc.docType, docId: doc.docId, reason, opportunityId: doc.opportunityId, offerId: doc.offerId },
  });
  unit.emit({ type: 'document.cancelled', document: saved });
  return saved;
}

/**
 * Runs a host hook, then records its result in a unit; when recording fails the host document is
 * cancelled again, so the CRM and the host do not disagree.
 */
export async function withHostDocument<R>(
  hooks: SalesHooks,
  docType: SalesDocumentType,
  call: () => Promise<HostDocument>,
  record: (doc: HostDocument) => Promise<R>,
): Promise<R> {
  const doc = await call();
  try {
    return await record(doc);
  } catch (err) {
    if (hooks.cancelDocument && doc && typeof doc === 'object' && typeof doc.docId === 'string') {
      await hooks.cancelDocument({ docType, docId: doc.docId, number: doc.number ?? null }).catch(() => undefined);
    }
    throw err;
  }
}
