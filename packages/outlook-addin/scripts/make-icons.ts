// Writes the add-in's icons (PNG, drawn here so no binary artwork has to be sourced):
// a blue rounded square with a white "R"-like mark, and the white outline icon Teams/Office need.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc32 = (buf: Buffer) => {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
function chunk(type: string, data: Buffer) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size: number, pixel: (x: number, y: number) => [number, number, number, number]) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
/** The mark: a vertical bar and a bowl, in unit coordinates. */
function mark(u: number, v: number) {
  const bar = u > 0.28 && u < 0.4 && v > 0.22 && v < 0.78;
  const bowl = Math.hypot(u - 0.48, v - 0.38) < 0.18 && Math.hypot(u - 0.48, v - 0.38) > 0.07 && u > 0.34;
  const leg = v > 0.5 && v < 0.78 && Math.abs(u - 0.4 - (v - 0.5) * 0.9) < 0.06;
  return bar || bowl || leg;
}
function color(size: number) {
  return png(size, (x, y) => {
    const u = (x + 0.5) / size,
      v = (y + 0.5) / size;
    const r = 0.18,
      dx = Math.max(Math.abs(u - 0.5) - (0.5 - r), 0),
      dy = Math.max(Math.abs(v - 0.5) - (0.5 - r), 0);
    if (Math.hypot(dx, dy) > r) return [0, 0, 0, 0];
    return mark(u, v) ? [255, 255, 255, 255] : [15, 108, 189, 255];
  });
}
const outline = (size: number) => png(size, (x, y) => (mark((x + 0.5) / size, (y + 0.5) / size) ? [255, 255, 255, 255] : [0, 0, 0, 0]));

const dir = join(import.meta.dirname, '..', 'manifests', 'icons');
mkdirSync(dir, { recursive: true });
for (const size of [16, 32, 64, 80, 128, 192]) writeFileSync(join(dir, `icon-${size}.png`), color(size));
writeFileSync(join(dir, 'outline-32.png'), outline(32));
process.stdout.write(`icons written to ${dir}\n`);
