import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { runParser } from '../src/parser.js';

/** The mbox floor: split the file on its "From " lines and run the product's mailparser set-up on each. */
export async function parseLoop(file: string): Promise<number> {
  const text = readFileSync(file);
  let n = 0;
  let start = 0;
  while (start < text.length) {
    const next = text.indexOf('\nFrom ', start + 1);
    const end = next < 0 ? text.length : next + 1;
    const body = text.subarray(text.indexOf(10, start) + 1, end);
    await runParser(Readable.from([body]), (part) => part.release());
    n++;
    start = end;
  }
  return n;
}
