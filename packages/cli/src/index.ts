export { run, buildProgram } from './program.js';
export { openCrm, openStore, resolveDb } from './db.js';
