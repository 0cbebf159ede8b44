import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../src/parse.js';
import { ParsePool, sharedParsePool } from '../src/parse-pool.js';
import { malformedMessages } from './support/malformed.js';
import { rfc822 } from './support/messages.js';

const noBlobs = async (s: Readable) => {
  s.resume();
  return { key: 'x', size: 0, sha256: 'x' };
};

describe('parsing', () => {
  it('the worker thread parses a message exactly as the main thread does, and hands back messages with attachments', async () => {
    const pool = new ParsePool();
    try {
      const raws = [
        Buffer.from(
          rfc822({
            messageId: '<w@zefir.test>',
            cc: 'Ola <ola@x.test>, "Group": a@y.test, b@y.test;',
            references: '<r1@x> <r2@x>',
            inReplyTo: '<r2@x>',
            headers: { 'List-Id': '<l.x.test>' },
          }),
        ),
        ...malformedMessages()
          .filter((m) => !['path-traversal-filename', 'nested-rfc822', 'huge-header-line', 'truncated-content-type'].includes(m.name))
          .map((m) => m.raw),
      ];
      for (const raw of raws) {
        const viaWorker = await pool.parse(raw);
        const viaMain = await parseMessage(Readable.from([raw]), noBlobs);
        expect(viaWorker.parsed).toEqual(viaMain);
      }
      const withAttachment = malformedMessages().find((m) => m.name === 'path-traversal-filename')!.raw;
      expect(await pool.parse(withAttachment)).toEqual({ parsed: null, reason: 'attachments' });
      // Messages over 256 KB stay on the main thread (they nearly always have attachments).
      expect((await pool.parse(malformedMessages().find((m) => m.name === 'huge-header-line')!.raw)).parsed).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('an idle worker stops after its idle time and the next message starts another', async () => {
    const pool = new ParsePool(50);
    try {
      const raw = Buffer.from(rfc822({ messageId: '<idle@zefir.test>' }));
      expect((await pool.parse(raw)).parsed?.message.messageId).toBe('<idle@zefir.test>');
      const first = (pool as unknown as { worker: unknown }).worker;
      expect(first).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((pool as unknown as { worker: unknown }).worker).toBeNull();
      expect((await pool.parse(raw)).parsed?.message.messageId).toBe('<idle@zefir.test>');
      expect((pool as unknown as { worker: unknown }).worker).not.toBe(first);
    } finally {
      await pool.close();
    }
  });

  it('the shared worker never holds a process open: one that parsed a message exits at once, not after the idle time', async () => {
    expect(sharedParsePool()).toBe(sharedParsePool());
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), 'rapport-pool-'));
    const script = join(dir, 'parse-once.mts');
    await writeFile(
      script,
      [
        `const { sharedParsePool } = await import(${JSON.stringify(fileURLToPath(new URL('../src/parse-pool.ts', import.meta.url)))});`,
        `const r = await sharedParsePool().parse(Buffer.from('Message-ID: <exit@zefir.test>\\r\\nSubject: x\\r\\n\\r\\nbody\\r\\n'));`,
        'console.log(r.parsed?.message.messageId ?? JSON.stringify(r));',
      ].join('\n'),
    );
    const started = Date.now();
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [script], { cwd: root, timeout: 25_000 }).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );
    expect(stdout.trim()).toBe('<exit@zefir.test>');
    // The worker idles for 30 s before it stops; the process must not wait for that.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('HTML is sanitised on both parse paths: scripts, handlers, javascript: links and remote images go, the content stays', async () => {
    const html = [
      '<html><head><style>body{background:url(https://t.example/x)}</style><script>alert(1)</script></head>',
      '<body onload="steal()"><p style="color: red; position: fixed; background-image: url(https://t.example/p)">Offer <b>attached</b></p>',
      '<a href="javascript:alert(2)">bad</a> <a href="https://zefir.test/offer" onclick="x()">good</a> <a href="mailto:jan@zefir.test">mail</a>',
      '<img src="https://tracker.example/pixel.gif?u=1" width="1"><img src="cid:logo@zefir.test" alt="logo">',
      '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="pw"></form>',
      '<svg><script>alert(3)</script></svg><table><tr><td colspan="2" onmouseover="x()">cell</td></tr></table></body></html>',
    ].join('');
    const raw = Buffer.from(
      [
        'From: Jan <jan@zefir.test>',
        'To: anna@firma.test',
        'Subject: html',
        'Message-ID: <html@zefir.test>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '',
      ].join('\r\n'),
    );
    const main = await parseMessage(Readable.from([raw]), noBlobs);
    const pool = new ParsePool();
    try {
      const viaWorker = await pool.parse(raw);
      expect(viaWorker.parsed).toEqual(main);
    } finally {
      await pool.close();
    }
    const clean = main.message.html!;
    for (const gone of [
      '<script',
      'alert(',
      'onload',
      'onclick',
      'onmouseover',
      'javascript:',
      'tracker.example',
      't.example',
      '<iframe',
      '<form',
      '<input',
      '<style',
      'position',
      'background-image',
      '<svg',
    ]) {
      expect(clean, gone).not.toContain(gone);
    }
    for (const kept of [
      '<p style="color:red">Offer <b>attached</b></p>',
      'href="https://zefir.test/offer"',
      'href="mailto:jan@zefir.test"',
      'src="cid:logo@zefir.test"',
      '<td colspan="2">cell</td>',
    ]) {
      expect(clean, kept).toContain(kept);
    }
    // The text part mailparser derives from the HTML is untouched by this (it is plain text).
    expect(main.message.text).toContain('Offer attached');
  });
  it('addresses come out in the CRM spelling (IDN domains in xn-- form, whichever way the header wrote them) and the rule headers are kept', async () => {
    const raw = Buffer.from(
      [
        'From: Zofia <zofia@XN--W-UGA1V8H.example>',
        'To: klaus@münchen.example, Anna <anna@firma.test>',
        'Subject: =?UTF-8?B?UkU6IFphbcOzd2llbmll?=',
        'Message-ID: <idn@x.test>',
        'Thread-Index: AQHZbWVzc2FnZQ==',
        'Thread-Topic: =?UTF-8?B?WmFtw7N3aWVuaWU=?=',
        'X-Autoreply: yes',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'report',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const main = await parseMessage(Readable.from([raw]), noBlobs);
    const pool = new ParsePool();
    try {
      expect((await pool.parse(raw)).parsed).toEqual(main);
    } finally {
      await pool.close();
    }
    expect(main.message.from?.address).toBe('zofia@xn--w-uga1v8h.example');
    expect(main.message.to?.map((a) => a.address)).toEqual(['klaus@xn--mnchen-3ya.example', 'anna@firma.test']);
    expect(main.message.headers).toMatchObject({ 'thread-index': 'AQHZbWVzc2FnZQ==', 'thread-topic': '=?UTF-8?B?WmFtw7N3aWVuaWU=?=', 'x-autoreply': 'yes' });
    expect(main.message.headers!['content-type']).toMatch(/^multipart\/report/);
  });
});
