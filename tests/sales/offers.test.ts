import { describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { failure, setup, stores } from './setup.js';

const LINES = [
  { item: 'enova365 licence', quantity: 3, unitPrice: 199_999, discount: 12.5, vatRate: 23 },
  { item: 'Wdrożenie (h)', quantity: 2.5, unitPrice: 15_001, vatRate: 23 },
  { item: 'Podręcznik', quantity: 1, unitPrice: 4_999, discount: 33.33, vatRate: 5 },
];

describe.each(stores)('offers on $name', (kind) => {
  it('computes line nets and totals in integer minor units, VAT per rate from the net sum', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const offer = await crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: LINES, validUntil: '2026-03-31' });
    // 3 × 1999.99 × 0.875 = 5249.97375 → 524997; 2.5 × 150.01 = 375.025 → 37503 (half up); 49.99 × 0.6667 = 33.328333 → 3333
    expect(offer.lines.map((l) => l.net)).toEqual([524_997, 37_503, 3_333]);
    // 23%: 562500 × 0.23 = 129375; 5%: 3333 × 0.05 = 166.65 → 167
    expect(offer.totals).toEqual({
      net: 565_833,
      vat: 129_542,
      gross: 695_375,
      byRate: [
        { vatRate: 23, net: 562_500, vat: 129_375 },
        { vatRate: 5, net: 3_333, vat: 167 },
      ],
    });
    expect(offer).toMatchObject({ status: 'draft', number: '0001/2026/OF', currency: 'PLN' });
    // Two lines of 0.03 at 23%: per line 0.0069 would round to 0.01 each, per rate 0.06 × 0.23 = 0.0138 → 0.01.
    const small = await crm.offers.create({
      partnerId: p.id,
      currency: 'PLN',
      lines: [
        { item: 'a', quantity: 1, unitPrice: 3, vatRate: 23 },
        { item: 'b', quantity: 1, unitPrice: 3, vatRate: 23 },
      ],
    });
    expect(small.totals).toMatchObject({ net: 6, vat: 1, gross: 7 });
    expect(small.number).toBe('0002/2026/OF');
  });

  it('refuses bad lines with VALIDATION naming the field and value', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const line = { item: 'x', quantity: 1, unitPrice: 100, vatRate: 23 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ vatRate: 101 }, 'offer.lines[0].vatRate must be between 0 and 100 (got 101)'],
      [{ vatRate: -1 }, 'offer.lines[0].vatRate must be between 0 and 100 (got -1)'],
      [{ vatRate: 23.456 }, 'offer.lines[0].vatRate must have at most 2 decimals'],
      [{ discount: 100.5 }, 'offer.lines[0].discount must be between 0 and 100'],
      [{ quantity: 0 }, 'offer.lines[0].quantity must be greater than 0'],
      [{ unitPrice: -1 }, 'offer.lines[0].unitPrice must not be negative (got -1)'],
      [{ unitPrice: 1.5 }, 'offer.lines[0].unitPrice must be a whole number of minor units'],
      [{ item: '' }, 'offer.lines[0].item must not be empty'],
    ];
    for (const [patch, message] of cases) {
      const err = await failure(() => crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: [{ ...line, ...patch } as typeof line] }));
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toContain(message);
    }
    expect((await failure(() => crm.offers.create({ partnerId: p.id, currency: 'XYZ', lines: [line] }))).message).toContain(
      'offer.currency must be an ISO 4217',
    );
    expect((await failure(() => crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: [] }))).code).toBe('VALIDATION');
    expect((await crm.offers.list({ partnerId: p.id })).items).toEqual([]);
  });

  it('follows draft → sent → accepted | rejected | expired; only a draft can be changed', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const offer = await crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: LINES });
    expect((await failure(() => crm.offers.accept(offer.id))).message).toContain('cannot change from draft to accepted');
    const changed = await crm.offers.update(offer.id, { lines: [{ item: 'x', quantity: 2, unitPrice: 1000, vatRate: 8 }] });
    expect(changed.totals).toMatchObject({ net: 2000, vat: 160, gross: 2160 });
    await crm.offers.send(offer.id);
    expect((await failure(() => crm.offers.update(offer.id, { note: 'late' }))).code).toBe('VALIDATION');
    const rejected = await crm.offers.reject(offer.id, { reason: 'too expensive' });
    expect(rejected.status).toBe('rejected');
    expect((await failure(() => crm.offers.send(offer.id))).code).toBe('VALIDATION');
    const kinds = (await crm.history.forPartner(p.id)).items.map((i) => i.kind);
    expect(kinds.slice(0, 3)).toEqual(['offer.rejected', 'offer.sent', 'offer.created']);
  });

  it('refuses to accept an offer after its validUntil and expires due offers', async () => {
    const { crm, calls } = await setup(kind, '2026-03-02T09:00:00Z');
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const old = await crm.offers.create({ partnerId: p.id, currency: 'EUR', lines: LINES, validUntil: '2026-03-01T00:00:00Z' });
    const fresh = await crm.offers.create({ partnerId: p.id, currency: 'EUR', lines: LINES, validUntil: '2026-04-01T00:00:00Z' });
    await crm.offers.send(old.id);
    await crm.offers.send(fresh.id);
    expect((await failure(() => crm.offers.accept(old.id))).message).toContain('expired on 2026-03-01');
    expect((await failure(() => crm.offers.convert(old.id, 'order'))).message).toContain('expired on 2026-03-01');
    expect(calls).toEqual([]); // refused before the host was asked
    const expired = await crm.offers.expireDue();
    expect(expired.map((o) => o.id)).toEqual([old.id]);
    expect((await crm.offers.get(old.id)).status).toBe('expired');
    expect((await crm.offers.get(fresh.id)).status).toBe('sent');
    expect((await failure(() => crm.offers.convert(old.id, 'invoice'))).code).toBe('VALIDATION');
  });

  it('converts an accepted offer into a pro forma and an invoice through the host and links them into the partner history', async () => {
    const { crm, calls } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const offer = await crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: LINES });
    await crm.offers.send(offer.id);
    const proforma = await crm.offers.convert(offer.id, 'proforma');
    expect((await crm.offers.get(offer.id)).status).toBe('accepted');
    const invoice = await crm.offers.convert(offer.id, 'invoice');
    expect(calls.map((c) => [c.hook, c.target])).toEqual([
      ['convertOffer', 'proforma'],
      ['convertOffer', 'invoice'],
    ]);
    expect(proforma).toMatchObject({
      docType: 'proforma',
      offerId: offer.id,
      partnerId: p.id,
      netAmount: 565_833,
      vatAmount: 129_542,
      currency: 'PLN',
      status: 'active',
    });
    expect(invoice.number).toMatch(/^FV\//);
    expect((await crm.offers.documents({ offerId: offer.id })).map((d) => d.docType)).toEqual(['proforma', 'invoice']);
    const items = (await crm.history.forPartner(p.id)).items;
    expect(items.map((i) => i.kind).slice(0, 4)).toEqual(['document.linked', 'document.linked', 'offer.accepted', 'offer.sent']);
    expect(items[0]!.title).toBe(`invoice ${invoice.number}`);

    const cancelled = await crm.offers.cancelDocument(invoice.id, { reason: 'wrong address' });
    expect(cancelled.status).toBe('cancelled');
    expect(calls.at(-1)).toEqual({ hook: 'cancelDocument', docId: invoice.docId, docType: 'invoice' });
    expect((await crm.history.forPartner(p.id)).items[0]!.kind).toBe('document.cancelled');
    expect((await failure(() => crm.offers.cancelDocument(invoice.id))).code).toBe('VALIDATION');
  });

  it('refuses to convert a rejected or draft offer, for a sales-blocked partner, or without a host handler', async () => {
    const { crm, calls, store } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const rejected = await crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: LINES });
    await crm.offers.send(rejected.id);
    await crm.offers.reject(rejected.id);
    const err = await failure(() => crm.offers.convert(rejected.id, 'order'));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('is rejected');
    const draft = await crm.offers.create({ partnerId: p.id, currency: 'PLN', lines: LINES });
    expect((await failure(() => crm.offers.convert(draft.id, 'order'))).message).toContain('is draft');
    expect((await failure(() => crm.offers.convert(draft.id, 'receipt' as 'order'))).message).toContain('target must be one of order, proforma, invoice');
    await crm.offers.send(draft.id);
    const noHooks = createCrm({ store });
    expect((await failure(() => noHooks.offers.convert(draft.id, 'order'))).message).toContain('hooks.convertOffer');
    await crm.partners.update(p.id, { salesBlocked: true });
    expect((await failure(() => crm.offers.convert(draft.id, 'order'))).message).toContain('sales block');
    expect(calls).toEqual([]);
    expect(await crm.offers.documents({ partnerId: p.id })).toEqual([]);
  });
});
