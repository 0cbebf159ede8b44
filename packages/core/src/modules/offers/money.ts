import { CURRENCY_CODES, type OfferLine, type OfferTotals } from '../../domain/sales-types.js';
import { invalid } from '../../errors.js';
import * as v from '../../validate.js';

const CURRENCIES = new Set(CURRENCY_CODES);

/** An ISO 4217 code, upper-cased; anything else is VALIDATION. */
export function currency(field: string, value: unknown): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (typeof code !== 'string' || !CURRENCIES.has(code)) throw invalid(field, 'must be an ISO 4217 currency code such as EUR or PLN', value);
  return code;
}

/** An amount in minor units (grosze, cents): a whole number, never negative. */
export function money(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(field, 'must be a whole number of minor units (e.g. 12345 for 123.45)', value);
  if (value < 0) throw invalid(field, 'must not be negative', value);
  return value;
}

/** A number with at most `decimals` decimals in [min, max], returned as an integer scaled by 10^decimals. */
function scaled(field: string, value: unknown, decimals: number, min: number, max: number, what: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, `must be ${what}`, value);
  if (value < min || value > max) throw invalid(field, `must be between ${min} and ${max}`, value);
  const factor = 10 ** decimals;
  const n = Math.round(value * factor);
  if (Math.abs(n - value * factor) > 1e-6 || !Number.isSafeInteger(n)) throw invalid(field, `must have at most ${decimals} decimals`, value);
  return BigInt(n);
}

/** Integer division rounding half away from zero (the commercial rounding of Polish and EU invoices). */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  if (r * 2n >= denominator) return q + 1n;
  return q;
}

export interface OfferLineInput {
  item: string;
  description?: string | null;
  quantity: number;
  unit?: string | null;
  /** Net unit price in minor units. */
  unitPrice: number;
  /** Percent, 0..100, default 0. */
  discount?: number;
  /** Percent, 0..100. */
  vatRate: number;
}

/**
 * Computes a line's net in minor units:
 * `net = round(quantity × unitPrice × (100 − discount) / 100)`, rounded once, half away from zero,
 * in exact integer arithmetic (quantity in thousandths, discount in hundredths of a percent).
 */
export function offerLine(field: string, input: OfferLineInput): OfferLine {
  if (!input || typeof input !== 'object') throw invalid(field, 'must be an object', input);
  const item = v.text(`${field}.item`, input.item, { max: 255 });
  const qty = scaled(`${field}.quantity`, input.quantity, 3, 0, 1e9, 'a quantity');
  if (qty === 0n) throw invalid(`${field}.quantity`, 'must be greater than 0', input.quantity);
  const unitPrice = money(`${field}.unitPrice`, input.unitPrice);
  const discount = scaled(`${field}.discount`, input.discount ?? 0, 2, 0, 100, 'a percentage');
  const vatRate = scaled(`${field}.vatRate`, input.vatRate, 2, 0, 100, 'a percentage (0..100)');
  const net = divRound(qty * BigInt(unitPrice) * (10_000n - discount), 1000n * 10_000n);
  if (net > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field}`, 'amount is too large', input);
  return {
    item,
    description: v.text(`${field}.description`, input.description, { max: 2000, optional: true }),
    quantity: input.quantity,
    unit: v.text(`${field}.unit`, input.unit, { max: 16, optional: true }),
    unitPrice,
    discount: input.discount ?? 0,
    vatRate: Number(vatRate) / 100,
    net: Number(net),
  };
}

/**
 * Offer totals: net is the sum of line nets; VAT is computed per rate from the net sum of that
 * rate's lines (`round(netSum × rate / 100)`, half away from zero), then summed; gross = net + VAT.
 */
export function offerTotals(lines: OfferLine[]): OfferTotals {
  const byRate = new Map<number, bigint>();
  for (const line of lines) byRate.set(line.vatRate, (byRate.get(line.vatRate) ?? 0n) + BigInt(line.net));
  const rates = [...byRate.entries()]
    .sort(([a], [b]) => b - a)
    .map(([vatRate, net]) => ({ vatRate, net: Number(net), vat: Number(divRound(net * BigInt(Math.round(vatRate * 100)), 10_000n)) }));
  const net = rates.reduce((s, r) => s + r.net, 0);
  const vat = rates.reduce((s, r) => s + r.vat, 0);
  return { net, vat, gross: net + vat, byRate: rates };
}
