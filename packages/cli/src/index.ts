export { run } from './run.js';
export { buildProgram } from './program.js';
export { openCrm, openStore, resolveDb } from './db.js';
