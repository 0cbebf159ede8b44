import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { HeaderValue } from 'mailparser';
import { MAX_HTML_TO_TEXT, RULE_HEADERS, toMessage, type ParsedMessage } from './parse.js';
import { EMAIL_HTML_POLICY } from './sanitize.js';

/**
 * The worker: plain JavaScript (so it runs the same from sources and from the build) that parses
 * messages without attachments off the main thread. A message with attachments is handed back
 * (`attachments: true`): the main thread parses it again, streaming them into the BlobStore.
 */
/** A package's absolute path, so the worker finds it whatever the host's working directory. */
function modulePath(name: string): string {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return name;
  }
}

const WORKER = () => `
const { parentPort } = require('node:worker_threads');
const { Readable } = require('node:stream');
const { MailParser } = require(${JSON.stringify(modulePath('mailparser'))});
const sanitizeHtml = require(${JSON.stringify(modulePath('sanitize-html'))});
const RULES = new Set(${JSON.stringify([...RULE_HEADERS])});
// The same options as sanitizerOptions() builds on the main thread.
const { styleSources, ...policy } = ${JSON.stringify(EMAIL_HTML_POLICY)};
const allowedStyles = {};
for (const [tag, props] of Object.entries(styleSources)) {
  allowedStyles[tag] = Object.fromEntries(Object.entries(props).map(([prop, source]) => [prop, [new RegExp(source)]]));
}
const SANITIZE = { ...policy, allowedStyles };
parentPort.on('message', ({ id, raw }) => {
  const parser = new MailParser({ skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: ${MAX_HTML_TO_TEXT} });
  let headers = [];
  const rules = {};
  let text = null, html = null, rawDate = null, attachments = false, done = false;
  const finish = (msg) => { if (!done) { done = true; parentPort.postMessage(msg); } };
  parser.on('headers', (h) => { headers = [...h.entries()]; });
  parser.on('headerLines', (lines) => {
    for (const { key, line } of lines) {
      const value = line.slice(line.indexOf(':') + 1).replace(/\\r?\\n[ \\t]+/g, ' ').trim();
      if (key === 'date' && rawDate === null) rawDate = value;
      if (RULES.has(key) && !(key in rules)) rules[key] = value;
    }
  });
  parser.on('data', (data) => {
    if (data.type === 'attachment') { finish({ id, attachments: true }); source.unpipe(parser); parser.destroy(); return; }
    else if (data.type === 'text') { text = typeof data.text === 'string' ? data.text : null; html = typeof data.html === 'string' ? data.html : null; }
  });
  parser.on('error', (err) => finish({ id, error: String(err && err.message || err) }));
  parser.on('end', () => {
    try {
      finish({ id, headers, rules, text, html: html === null ? null : sanitizeHtml(html, SANITIZE), rawDate, attachments });
    } catch (err) {
      finish({ id, error: String(err && err.message || err) });
    }
  });
  const source = Readable.from([Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)]);
  source.pipe(parser);
});
`;

/** Larger messages are parsed on the main thread. */
const MAX_WORKER_BYTES = 256 * 1024;

type Reply = { id: number; error?: string; headers?: Array<[string, HeaderValue]>; rules?: Record<string, string>; text?: string | null; html?: string | null; rawDate?: string | null; attachments?: boolean };

/** What the pool made of a message: parsed, or to be parsed on the main thread. */
export type PoolResult = { parsed: ParsedMessage } | { parsed: null; reason: 'attachments' | 'error' | 'unavailable' };

/** One worker thread parsing messages while the main thread writes to the CRM. */
export class ParsePool {
  private worker: Worker | null = null;
  private broken = false;
  private seq = 0;
  private readonly waiting = new Map<number, (r: PoolResult) => void>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** @param idleMs with nothing to parse for this long, the worker stops (a later parse starts another). */
  constructor(private readonly idleMs = 0) {}

  /** With nothing waiting, the worker no longer holds the process open, and stops after idleMs. */
  private idle() {
    if (this.waiting.size > 0 || !this.worker) return;
    this.worker.unref();
    if (!this.idleMs) return;
    this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  private start(): Worker | null {
    if (this.worker || this.broken) return this.worker;
    try {
      const worker = new Worker(WORKER(), { eval: true });
      worker.on('message', (reply: Reply) => {
        const done = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        this.idle();
        if (!done) return;
        if (reply.error) done({ parsed: null, reason: 'error' });
        else if (reply.attachments) done({ parsed: null, reason: 'attachments' });
        else {
          // Inside an event handler a throw would crash the process: the main thread parses it again and quarantines it.
          let parsed: ParsedMessage | null = null;
          try {
            parsed = toMessage({ headers: new Map(reply.headers), rules: reply.rules ?? {}, text: reply.text ?? null, html: reply.html ?? null, htmlSanitized: true, rawDate: reply.rawDate ?? null }, []);
          } catch {
            // reported as 'error' below
          }
          done(parsed ? { parsed } : { parsed: null, reason: 'error' });
        }
      });
      const abandon = (err?: unknown) => {
        if (err instanceof Error) this.broken = true; // e.g. mailparser not loadable there: parse on the main thread
        for (const done of this.waiting.values()) done({ parsed: null, reason: 'unavailable' });
        this.waiting.clear();
        this.worker = null;
      };
      worker.on('error', abandon);
      worker.on('exit', () => abandon());
      // After the listeners: adding a 'message' listener refs the worker again.
      worker.unref();
      this.worker = worker;
    } catch {
      this.broken = true;
      return null;
    }
    return this.worker;
  }

  parse(raw: Buffer): Promise<PoolResult> {
    // Big messages almost always carry attachments, which only the main thread can store.
    if (raw.length > MAX_WORKER_BYTES) return Promise.resolve({ parsed: null, reason: 'attachments' });
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.start();
    if (!worker) return Promise.resolve({ parsed: null, reason: 'unavailable' });
    const id = ++this.seq;
    // While a message is being parsed the worker keeps the process alive (its reply is awaited).
    worker.ref();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      // A copy with its own ArrayBuffer, transferred: imapflow's buffers may be views of a larger one.
      const bytes = new Uint8Array(raw);
      worker.postMessage({ id, raw: bytes }, [bytes.buffer]);
    });
  }

  /** Stops the worker; messages still waiting are answered `unavailable` (parsed on the main thread). */
  async close() {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    worker.removeAllListeners();
    for (const done of this.waiting.values()) done({ parsed: null, reason: 'unavailable' });
    this.waiting.clear();
    await worker.terminate();
  }
}

/** How long the shared worker waits for the next sync before it stops. */
const SHARED_IDLE_MS = 30_000;
let shared: ParsePool | null = null;

/**
 * The process's parse worker, shared by every sync: a worker starts with a cold JIT and parses
 * at about half speed for its first few thousand messages, so it is kept between syncs (watch
 * cycles, several accounts) and stopped after 30 s without work. It never keeps a process alive.
 */
export function sharedParsePool(): ParsePool {
  return (shared ??= new ParsePool(SHARED_IDLE_MS));
}
