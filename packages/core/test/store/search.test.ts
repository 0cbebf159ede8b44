import { describe, expect, it } from 'vitest';
import { foldText, matchesSearch, queryTokens, searchTokens, SEARCH_TOKEN_LENGTH, isRapportError } from '@rapport/core/store';

describe('search folding and tokens', () => {
  it('folds Polish and Romanian letters, both ş/ș and ţ/ț forms, and case', () => {
    expect(foldText('ŻÓŁĆ gęślą JAŹŃ')).toBe('zolc gesla jazn');
    expect(foldText('Ședință ŞEDINŢĂ Ţară ȚARĂ îâ')).toBe('sedinta sedinta tara tara ia');
    expect(foldText('Đorđe Ørsted')).toBe('dorde orsted');
  });

  it('cuts text into runs of letters and digits; everything else separates', () => {
    expect(searchTokens('jan.kowalski@example.com, "NEAR(x)" * - OR 0001/2026/CRM')).toEqual([
      'jan',
      'kowalski',
      'example',
      'com',
      'near',
      'x',
      'or',
      '0001',
      '2026',
      'crm',
    ]);
    expect(searchTokens('a'.repeat(100))).toEqual(['a'.repeat(SEARCH_TOKEN_LENGTH)]);
  });

  it('a query is distinct tokens; too long or too many words is VALIDATION', () => {
    expect(queryTokens('Enova enova ENOVĂ')).toEqual(['enova']);
    expect(queryTokens('"*-()')).toEqual([]);
    for (const bad of ['x'.repeat(1001), Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '), 42, null]) {
      let error: unknown;
      try {
        queryTokens(bad);
      } catch (err) {
        error = err;
      }
      expect(isRapportError(error, 'VALIDATION'), String(bad).slice(0, 20)).toBe(true);
    }
  });

  it('matches when every query token starts a token of the fields', () => {
    const rec = { subject: 'Wdrożenie enova365', emails: ['anna@firma.pl'] };
    expect(matchesSearch(rec, ['subject', 'emails'], ['enov', 'wdroz'])).toBe(true);
    expect(matchesSearch(rec, ['subject', 'emails'], ['firma', 'anna'])).toBe(true);
    expect(matchesSearch(rec, ['subject'], ['firma'])).toBe(false);
    expect(matchesSearch(rec, ['subject'], ['nova'])).toBe(false);
    expect(matchesSearch(rec, ['subject'], [])).toBe(false);
  });
});
