import type { CollectionDef, FieldDef } from '../store/schema.js';

const date: FieldDef = { type: 'date' };

/** Saved views (crm.views): a spec under a unique name, owned by an operator. */
export const views: CollectionDef = {
  name: 'views',
  fields: {
    name: { type: 'string', length: 200 },
    kind: { type: 'string', length: 32 },
    ownerId: { type: 'string', length: 64, nullable: true },
    spec: { type: 'json' },
    shares: { type: 'json' },
    createdAt: date,
    updatedAt: date,
  },
  indexes: [
    { name: 'views_name_uq', fields: ['name'], unique: true },
    { name: 'views_owner', fields: ['ownerId'] },
  ],
};

/** Who a view is shared with, one row per operator or group, so "views shared with me" is an indexed read. */
export const viewShares: CollectionDef = {
  name: 'view_shares',
  fields: {
    viewId: { type: 'string', length: 64 },
    principalType: { type: 'string', length: 16 },
    principal: { type: 'string', length: 320 },
    canEdit: { type: 'boolean' },
  },
  indexes: [
    { name: 'view_shares_uq', fields: ['viewId', 'principalType', 'principal'], unique: true },
    { name: 'view_shares_principal', fields: ['principalType', 'principal'] },
  ],
};

export const viewCollections: CollectionDef[] = [views, viewShares];
