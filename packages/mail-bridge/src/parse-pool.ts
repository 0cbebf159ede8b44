import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { toMessage, type ParsedMessage } from './parse.js';
import type { WorkerReply, WorkerRequest } from './parse-worker.js';

/**
 * The worker's entry beside this module: parse-worker.js or .cjs in the build (a tsup entry of
 * its own), parse-worker.ts in the sources — which Node cannot load alone, so tsx (there from
 * the workspace's devDependencies wherever the sources run) is registered in the worker first.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  const ext = /\.(c?js|ts)$/.exec(here)?.[1] ?? 'js';
  const entry = new URL(`./parse-worker.${ext}`, here);
  if (ext !== 'ts') return new Worker(entry);
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true });
}

/** Larger messages are parsed on the main thread. */
const MAX_WORKER_BYTES = 256 * 1024;

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
      const worker = startWorker();
      worker.on('message', (reply: WorkerReply) => {
        const done = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        this.idle();
        done?.(this.result(reply));
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

  private result(reply: WorkerReply): PoolResult {
    if ('error' in reply) return { parsed: null, reason: 'error' };
    if ('attachments' in reply) return { parsed: null, reason: 'attachments' };
    try {
      return { parsed: toMessage({ ...reply, headers: new Map(reply.headers), htmlSanitized: true }, []) };
    } catch {
      // Thrown in an event handler it would crash the process: the main thread parses it again and quarantines it.
      return { parsed: null, reason: 'error' };
    }
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
      worker.postMessage({ id, raw: bytes } satisfies WorkerRequest, [bytes.buffer]);
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
