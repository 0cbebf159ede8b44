import { setup as coreSetup } from '../../packages/core/test/domain/setup.js';
import { testStore } from '../support/stores.js';

export { all, rejects, snapshot } from '../../packages/core/test/domain/setup.js';

/** core's test setup over a fresh store of this project's kind (memory, SQLite file or PostgreSQL). */
export async function setup(options: Parameters<typeof coreSetup>[0] = {}) {
  return coreSetup({ ...options, store: options.store ?? (await testStore()) });
}
