/**
 * The rows of a resource scope (resource-context queries): `_ResourceId` equal to the resource or
 * below it. Stored `_ResourceId` values are lower case; `resourceScope` is a normalised, lower-case
 * ARM id. The store puts this filter into a resource-scoped grant's view, so no statement can see
 * the table's other rows.
 */
import { sqlIdent, sqlString } from '../kql/sql.js';

export function resourceScopeFilter(resourceScope: string): string {
  const rid = `lower(${sqlIdent('_ResourceId')})`;
  return `(${rid} = ${sqlString(resourceScope)} OR starts_with(${rid}, ${sqlString(`${resourceScope}/`)}))`;
}
