import type { CountryCode } from 'libphonenumber-js/max';
import { invalid } from '../errors.js';
import { lazy } from '../lazy.js';

const phones = lazy<typeof import('libphonenumber-js/max')>('libphonenumber-js/max');

/**
 * A phone number in E.164 (`+48601220310`), the one form stored and sent to SMS gateways.
 * A number without `+` is read in `country` (the CRM's `settings.phoneCountry`); without one it
 * is refused, since guessing the country would store someone else's number.
 */
export function e164(field: string, value: unknown, country?: string | null): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'must be a phone number', value ?? '');
  const text = value.trim();
  if (text.length > 64) throw invalid(field, 'must be at most 64 characters long', `${text.length} characters`);
  let number;
  try {
    number = phones().parsePhoneNumberWithError(text, country ? { defaultCountry: country as CountryCode } : {});
  } catch (err) {
    const reason = (err as Error).message === 'INVALID_COUNTRY' ? 'needs a country: start it with + and the country code' : 'is not a phone number';
    throw invalid(field, reason, text);
  }
  if (!number.isValid()) throw invalid(field, `is not a valid phone number${number.country ? ` in ${number.country}` : ''}`, text);
  return number.number;
}

/** A list of phone numbers in E.164, duplicates (in any spelling) removed. */
export function e164List(field: string, value: unknown, country?: string | null): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be a list of phone numbers', value);
  return [...new Set(value.map((v, i) => e164(`${field}[${i}]`, v, country)))];
}
