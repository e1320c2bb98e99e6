// Django users as a batch reads them: the user row, its graphql_auth status, its groups and
// direct permissions, and the digests of all of it in the layout of this run.
import { ABSTRACT_USER_COLUMNS } from "./django-model.js";
import type { SourceRow } from "./django-source-store.js";
import type { FieldPlan } from "./field-mapping.js";
import { digestColumns } from "./digests.js";
import type { ImportContext } from "./import-context.js";

/** AbstractUser's columns an import carries over (the id becomes ours). */
export const BUILT_IN_LAYOUT = ABSTRACT_USER_COLUMNS.filter((column) => column !== "id");

export const STATUS_LAYOUT = ["status.verified", "status.archived", "status.secondary_email"];
export const LINK_LAYOUT = ["groups", "user_permissions"];

export interface SourceUser {
  id: number;
  row: SourceRow;
  status: { verified: boolean; archived: boolean; secondaryEmail: string | null };
  groupIds: number[];
  permissionIds: number[];
  /** The digest of each column of the layout, as one string. */
  digests: string;
}

export function userLayout(fields: FieldPlan): string[] {
  const declared = fields.mapped.map((mapped) => mapped.column.name).sort();
  return [...BUILT_IN_LAYOUT, ...declared, ...STATUS_LAYOUT, ...LINK_LAYOUT];
}

async function linksOf(
  context: ImportContext,
  table: string | undefined,
  otherColumn: string,
  ids: readonly number[],
): Promise<Map<number, number[]>> {
  const links = new Map<number, number[]>();
  if (table === undefined) return links;
  const linkColumn = context.tables.userModel.linkColumn;
  for (const row of await context.source.readWhereIn(table, linkColumn, ids)) {
    const userId = Number(row[linkColumn]);
    links.set(userId, [...(links.get(userId) ?? []), Number(row[otherColumn])]);
  }
  for (const list of links.values()) list.sort((a, b) => a - b);
  return links;
}

export async function readSourceUsers(
  context: ImportContext,
  rows: SourceRow[],
): Promise<SourceUser[]> {
  const { tables, source } = context;
  const ids = rows.map((row) => Number(row.id));
  const statuses = new Map<number, SourceRow>();
  if (tables.statusTable !== undefined) {
    for (const row of await source.readWhereIn(tables.statusTable, "user_id", ids))
      statuses.set(Number(row.user_id), row);
  }
  const groups = await linksOf(context, tables.userModel.groupsTable, "group_id", ids);
  const permissions = await linksOf(
    context,
    tables.userModel.permissionsTable,
    "permission_id",
    ids,
  );
  return rows.map((row) => {
    const id = Number(row.id);
    const status = statuses.get(id);
    const secondary = status?.secondary_email;
    const user: Omit<SourceUser, "digests"> = {
      id,
      row,
      status: {
        verified: status?.verified === true,
        archived: status?.archived === true,
        // EmailField(blank=True, null=True): a blank form saves "", which means none.
        secondaryEmail: typeof secondary === "string" && secondary !== "" ? secondary : null,
      },
      groupIds: groups.get(id) ?? [],
      permissionIds: permissions.get(id) ?? [],
    };
    return { ...user, digests: digestColumns(context.layout.columns, (c) => layoutValue(user, c)) };
  });
}

/** The value of a layout column for a user. */
function layoutValue(user: Omit<SourceUser, "digests">, column: string): unknown {
  switch (column) {
    case "status.verified":
      return user.status.verified;
    case "status.archived":
      return user.status.archived;
    case "status.secondary_email":
      return user.status.secondaryEmail;
    case "groups":
      return user.groupIds;
    case "user_permissions":
      return user.permissionIds;
    default:
      return user.row[column];
  }
}
