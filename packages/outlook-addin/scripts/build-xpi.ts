import { buildXpi } from '../src/build/xpi.js';

const out = await buildXpi(process.argv[2]);
process.stdout.write(`Thunderbird extension: ${out.xpi}\n`);
