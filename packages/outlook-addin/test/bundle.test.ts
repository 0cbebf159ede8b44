import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildPane } from '../src/build/pane.js';

describe('pane bundle', () => {
  it('is one script of at most 80 KB gzipped, with no innerHTML, eval or remote code', async () => {
    const out = await buildPane(join(mkdtempSync(join(tmpdir(), 'rapport-bundle-')), 'pane'));
    const js = readFileSync(join(out.outDir, 'pane.js'));
    expect(gzipSync(js).length).toBeLessThanOrEqual(80 * 1024);
    const text = js.toString('utf8');
    expect(text).not.toMatch(/\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
    for (const page of ['taskpane.html', 'popup.html']) {
      const html = readFileSync(join(out.outDir, page), 'utf8');
      // No inline script: every <script> has a src.
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
    expect(readFileSync(join(out.outDir, 'popup.html'), 'utf8')).not.toContain('https://');
  });
});
