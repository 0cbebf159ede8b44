export { accessModule, actingPrincipal, requireAdministrator, requirePermission } from './access.js';
export type { AccessUpgradeReport } from './upgrade.js';
export { groupsModule, syncLegacyGroups, type GroupInput } from './groups.js';
export { rolesModule, type RoleInput } from './roles.js';
export { sharesModule, putGrant, type ShareTarget, type ShareRecord } from './shares.js';
export { BUILT_IN_ROLES, DEFAULT_ROLE } from './permissions.js';
