/**
 * The Store conformance suite: one set of behaviour every store must show. Each adapter's test
 * file calls `describeStoreConformance` with a factory and a second read path (`inspect`).
 */
export { describeStoreConformance } from './conformance/index.js';
export { conformanceSchema } from './fixtures.js';
export type { StoreConformanceOptions } from './conformance/index.js';
