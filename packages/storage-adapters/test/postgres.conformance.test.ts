import { afterAll, beforeAll } from 'vitest';
import type pg from 'pg';
import { describeStoreConformance } from '@rapport/core/testing';
import { postgresStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, fieldsOf, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const schemaName = uniqueSchemaName('conf');
let raw: pg.Client;

beforeAll(async () => {
  raw = await pgClient();
});
afterAll(async () => {
  await raw?.end();
  await dropPgSchema(schemaName);
});

describeStoreConformance({
  name: 'postgresStore',
  reset: () => createPgSchema(schemaName),
  makeStore: (schema) => postgresStore({ url: PG_URL, schema, schemaName }),
  // Second door: plain SQL on a separate pg connection.
  inspect: async (collection, id) => {
    const { rows } = await raw.query(`SELECT * FROM "${schemaName}"."${collection}" WHERE id = $1`, [id]);
    return rows[0] ? fieldsOf(rows[0]) : null;
  },
});
