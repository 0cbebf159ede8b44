import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { RapportError } from './errors.js';

export interface BlobInfo {
  /** Content address: the SHA-256 of the bytes, hex. */
  key: string;
  size: number;
  sha256: string;
}

/** Where attachment bytes live. Bytes flow as streams so memory stays bounded. */
export interface BlobStore {
  /** Stores the bytes of `source` and returns their content address. */
  put(source: Readable | AsyncIterable<Uint8Array> | Uint8Array): Promise<BlobInfo>;
  /** Streams the bytes back; unknown key → NOT_FOUND. */
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;

function checkKey(key: string) {
  if (!KEY.test(key)) throw new RapportError('VALIDATION', `blob key ${JSON.stringify(key)} is not a SHA-256 hex digest`);
}

const toStream = (source: Readable | AsyncIterable<Uint8Array> | Uint8Array): Readable =>
  source instanceof Uint8Array ? Readable.from([source]) : source instanceof Readable ? source : Readable.from(source);

/** A content-addressed BlobStore in a directory (`ab/cdef...`); writes go through a temp file and a rename. */
export function fsBlobStore(options: { dir: string }): BlobStore {
  const { dir } = options;
  const pathOf = (key: string) => join(dir, key.slice(0, 2), key.slice(2));
  return {
    async put(source) {
      await mkdir(join(dir, 'tmp'), { recursive: true });
      const tmp = join(dir, 'tmp', randomBytes(12).toString('hex'));
      const hash = createHash('sha256');
      let size = 0;
      const file = await open(tmp, 'w');
      try {
        await pipeline(
          toStream(source),
          new Writable({
            write(chunk: Buffer, _enc, done) {
              hash.update(chunk);
              size += chunk.length;
              file.write(chunk).then(
                () => done(),
                (err: Error) => done(err),
              );
            },
          }),
        );
      } catch (cause) {
        await file.close();
        await rm(tmp, { force: true });
        throw new RapportError('STORAGE', `fsBlobStore: writing a blob under ${dir} failed`, { cause });
      }
      await file.close();
      const key = hash.digest('hex');
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      await rename(tmp, pathOf(key));
      return { key, size, sha256: key };
    },
    async get(key) {
      checkKey(key);
      const info = await this.stat(key);
      if (!info) throw new RapportError('NOT_FOUND', `blob ${key} does not exist`);
      return createReadStream(pathOf(key));
    },
    async stat(key) {
      checkKey(key);
      try {
        const s = await stat(pathOf(key));
        return { key, size: s.size, sha256: key };
      } catch {
        return null;
      }
    },
    async delete(key) {
      checkKey(key);
      await rm(pathOf(key), { force: true });
    },
  };
}

/** A BlobStore in memory, for tests and throwaway demos. */
export function memoryBlobStore(): BlobStore {
  const blobs = new Map<string, Buffer>();
  return {
    async put(source) {
      const chunks: Buffer[] = [];
      for await (const chunk of toStream(source)) chunks.push(Buffer.from(chunk as Uint8Array));
      const bytes = Buffer.concat(chunks);
      const key = createHash('sha256').update(bytes).digest('hex');
      blobs.set(key, bytes);
      return { key, size: bytes.length, sha256: key };
    },
    async get(key) {
      const bytes = blobs.get(key);
      if (!bytes) throw new RapportError('NOT_FOUND', `blob ${key} does not exist`);
      return Readable.from([bytes]);
    },
    async stat(key) {
      const bytes = blobs.get(key);
      return bytes ? { key, size: bytes.length, sha256: key } : null;
    },
    async delete(key) {
      blobs.delete(key);
    },
  };
}
