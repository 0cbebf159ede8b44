import { describe, expect, it, vi } from 'vitest';

describe('RapportError', () => {
  it('is recognised across two copies of the class (a CommonJS host may load one per entry point)', async () => {
    const first = await import('../src/errors.js');
    vi.resetModules();
    const second = await import('../src/errors.js');
    expect(second.RapportError).not.toBe(first.RapportError);

    const err = new second.RapportError('NOT_FOUND', 'task "x" does not exist');
    expect(err instanceof first.RapportError).toBe(true);
    expect(first.isRapportError(err, 'NOT_FOUND')).toBe(true);
    expect(first.isRapportError(err, 'CONFLICT')).toBe(false);
  });

  it('is not claimed by a plain Error or a look-alike object', async () => {
    const { RapportError, isRapportError } = await import('../src/errors.js');
    expect(new Error('x') instanceof RapportError).toBe(false);
    expect(isRapportError({ name: 'RapportError', code: 'NOT_FOUND', message: 'x' })).toBe(false);
    expect((null as unknown) instanceof RapportError).toBe(false);
  });
});
