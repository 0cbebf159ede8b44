/**
 * Seeded mutations of e-mail messages for the fuzz test: each takes a seed message and a random
 * source and returns a hostile variant. Deterministic for a given seed.
 */

/** mulberry32: small, fast and good enough to pick mutations reproducibly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Rand, list: readonly T[]): T => list[int(rand, list.length)]!;

/** Where the header block ends (the first empty line), or the whole message. */
function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}

const headerLines = (raw: Buffer) =>
  raw
    .subarray(0, headerEnd(raw))
    .toString('latin1')
    .split(/\r?\n(?![ \t])/)
    .filter(Boolean);

const withHeaders = (raw: Buffer, extra: string) => Buffer.concat([Buffer.from(extra, 'latin1'), raw]);

const CHARSETS = ['x-no-such-charset', 'utf-7', 'iso-2022-jp', 'shift_jis', 'utf-16', 'utf-32', 'koi8-r', '"', 'utf-8"; charset=latin1', 'gb18030', ''];

export const MUTATIONS: Record<string, (raw: Buffer, rand: Rand) => Buffer> = {
  /** Cut anywhere, and the reported case: cut right after a header name. */
  truncate: (raw, rand) => raw.subarray(0, int(rand, raw.length + 1)),
  truncateAfterHeaderName: (raw, rand) => {
    const name = pick(rand, ['Content-Type: ', 'Content-Transfer-Encoding: ', 'Content-Disposition: ', 'From: ', 'Subject: =?utf-8?B?', 'Date: ']);
    const cut = rand() < 0.5 ? headerEnd(raw) : int(rand, raw.length + 1);
    const at = raw.lastIndexOf('\n', cut);
    return Buffer.concat([raw.subarray(0, at + 1), Buffer.from(name)]);
  },
  flipBytes: (raw, rand) => {
    const out = Buffer.from(raw);
    const n = 1 + int(rand, 16);
    for (let i = 0; i < n && out.length; i++) out[int(rand, out.length)] = int(rand, 256);
    return out;
  },
  /** Bytes that MIME gives meaning to, dropped in where they hurt. */
  insertSyntax: (raw, rand) => {
    const at = int(rand, raw.length + 1);
    const bit = pick(rand, ['\r\n', '\r\n\r\n', ':', ';', '"', '=?', '?=', '--', '\0', '\r', '\n ', '=\r\n', '<', '>', '\\']);
    return Buffer.concat([raw.subarray(0, at), Buffer.from(bit, 'latin1'), raw.subarray(at)]);
  },
  duplicateHeaders: (raw, rand) => {
    const lines = headerLines(raw);
    if (!lines.length) return raw;
    const copies = Array.from({ length: 1 + int(rand, 50) }, () => pick(rand, lines));
    return withHeaders(raw, copies.join('\r\n') + '\r\n');
  },
  giantHeader: (raw, rand) => {
    const name = pick(rand, ['Subject', 'References', 'To', 'Content-Type', 'X-Filler', 'Received']);
    const unit = name === 'References' ? '<a@b.test> ' : name === 'To' ? 'x@y.test, ' : name === 'Content-Type' ? 'a=b; ' : 'word ';
    const body = unit.repeat(Math.ceil((20_000 + int(rand, 250_000)) / unit.length));
    const folded = rand() < 0.5 ? body : body.replace(/(.{70})/g, '$1\r\n ');
    return withHeaders(raw, `${name}: ${folded}\r\n`);
  },
  manyHeaders: (raw, rand) => withHeaders(raw, Array.from({ length: 2_000 + int(rand, 8_000) }, (_, i) => `X-H${i}: v`).join('\r\n') + '\r\n'),
  deepNesting: (raw, rand) => {
    const depth = 50 + int(rand, 250);
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < depth; i++) {
      open.push(`Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n`);
      close.unshift(rand() < 0.8 ? `\r\n--n${i}--` : '');
    }
    return Buffer.concat([Buffer.from(`From: deep@nest.test\r\nSubject: deep\r\n${open.join('')}`), raw, Buffer.from(close.join(''))]);
  },
  nestedRfc822: (raw, rand) => {
    let out = raw;
    const depth = 20 + int(rand, 200);
    for (let i = 0; i < depth; i++) out = Buffer.concat([Buffer.from(`From: fwd${i}@nest.test\r\nContent-Type: message/rfc822\r\n\r\n`), out]);
    return out;
  },
  brokenBase64: (raw, rand) => {
    const junk = pick(rand, ['!!!!', '====', 'QUJD=RE', '\u0000\u0001', 'Q', 'A'.repeat(100_001), '-_-_']);
    const body = Buffer.from(`junk ${junk} ${raw.toString('base64').slice(0, int(rand, 5000))}`.replace(/(.{76})/g, '$1\r\n'), 'latin1');
    const parts = [
      'From: b64@broken.test',
      'Subject: =?utf-8?B?' + Buffer.from('zażółć').toString('base64').slice(0, 5) + '?=',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
    ];
    const attachment = [
      '--b',
      'Content-Type: application/pdf; name="x.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="x.pdf"',
      '',
    ];
    return Buffer.concat([
      Buffer.from(parts.join('\r\n') + '\r\n'),
      body,
      Buffer.from('\r\n' + attachment.join('\r\n') + '\r\n'),
      body,
      Buffer.from(rand() < 0.5 ? '\r\n--b--\r\n' : ''),
    ]);
  },
  brokenCharset: (raw, rand) => {
    const charset = pick(rand, CHARSETS);
    const text = raw.toString('latin1').replace(/charset=("?)[^";\s]*\1/gi, `charset=${charset}`);
    const word = `=?${charset}?${pick(rand, ['B', 'Q', 'X', ''])}?${pick(rand, ['+AGEAYgBj-', '=E9=FF', 'GyRCJEgbKEI', '????', ''])}?=`;
    return withHeaders(Buffer.from(text, 'latin1'), `Subject: ${word}\r\nFrom: ${word} <${pick(rand, ['a@b.test', '', '@', 'x@xn--'])}>\r\n`);
  },
  /** Several mutations in a row. */
  stacked: (raw, rand) => {
    let out = raw;
    for (let i = 0, n = 2 + int(rand, 3); i < n; i++) out = pick(rand, BASIC)(out, rand);
    return out;
  },
};

const BASIC = Object.entries(MUTATIONS)
  .filter(([name]) => name !== 'stacked')
  .map(([, fn]) => fn);

/** `count` mutants of `seeds`, each named by the seed, the mutation and its index. */
export function* mutants(seeds: Array<{ name: string; raw: Buffer }>, seed: number, count: number): Generator<{ name: string; raw: Buffer }> {
  const rand = random(seed);
  const kinds = Object.keys(MUTATIONS);
  for (let i = 0; i < count; i++) {
    const base = seeds[int(rand, seeds.length)]!;
    const kind = kinds[i % kinds.length]!;
    yield { name: `#${i} ${kind}(${base.name})`, raw: MUTATIONS[kind]!(base.raw, rand) };
  }
}
