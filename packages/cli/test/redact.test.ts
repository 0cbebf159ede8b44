import { describe, expect, it } from 'vitest';
import { redact } from '../src/db.js';

describe('redact', () => {
  it('hides the whole password, whatever it holds', () => {
    for (const password of ['secret', 'p@ss', 'p@ss@word', 'a:b', '@@@', 'p@%40']) {
      const url = `postgres://crm:${password}@db.example:5432/rapport`;
      const shown = redact(url);
      expect(shown, url).toBe('postgres://crm:***@db.example:5432/rapport');
    }
  });

  it('hides user and password when the password ends the authority early (/, ?, #)', () => {
    expect(redact('postgres://crm:x/y?z#w@db.example:5432/rapport')).toBe('postgres://***@db.example:5432/rapport');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redact('postgres://crm@db.example/rapport')).toBe('postgres://crm@db.example/rapport');
    expect(redact('sqlite:./rapport.db')).toBe('sqlite:./rapport.db');
  });

  it('hides user info of a URL it cannot parse', () => {
    expect(redact('mysql://root:p@ss word@[bad/x')).toBe('mysql://***@[bad/x');
  });
});
