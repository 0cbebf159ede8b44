import { buildPane } from '../src/build/pane.js';

const out = await buildPane(process.argv[2]);
process.stdout.write(`pane built in ${out.outDir} (pane.js ${(out.bytes / 1024).toFixed(1)} KB minified)\n`);
