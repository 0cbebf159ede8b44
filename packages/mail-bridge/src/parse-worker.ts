import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { HeaderValue } from 'mailparser';
import { runParser } from './parser.js';
import { sanitizeEmailHtml } from './sanitize.js';

/**
 * The parse worker (a separate tsup entry, started by ParsePool): parses messages without
 * attachments off the main thread, with the same parser and sanitiser as the main thread. A
 * message with attachments is handed back (`attachments: true`): the main thread parses it
 * again, streaming them into the BlobStore.
 */

/** A request: one whole message. */
export interface WorkerRequest {
  id: number;
  raw: Uint8Array;
}

/** The answer to a request. */
export type WorkerReply =
  | { id: number; error: string }
  | { id: number; attachments: true }
  | { id: number; headers: Array<[string, HeaderValue]>; rules: Record<string, string>; text: string | null; html: string | null; rawDate: string | null };

async function parse({ id, raw }: WorkerRequest): Promise<WorkerReply> {
  let attachments = false;
  try {
    const parsed = await runParser(Readable.from([Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)]), (_, stop) => {
      attachments = true;
      stop();
    });
    if (attachments || !parsed) return { id, attachments: true };
    return {
      id,
      headers: [...parsed.headers.entries()],
      rules: parsed.rules,
      text: parsed.text,
      html: parsed.html === null ? null : sanitizeEmailHtml(parsed.html),
      rawDate: parsed.rawDate,
    };
  } catch (err) {
    return { id, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.on('message', (request: WorkerRequest) => {
  void parse(request).then((reply) => {
    try {
      parentPort?.postMessage(reply);
    } catch (err) {
      // A header value that cannot be cloned: the main thread parses the message itself.
      parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
});
