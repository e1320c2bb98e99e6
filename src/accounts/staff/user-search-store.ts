// SQL for which users the admin's list shows: every search word over names, addresses and the
// declared text fields, and the filters by flag, status row, group or declared value.
import { sql, type Expression, type SqlBool } from "kysely";
import { escapeLike } from "../../db/values.js";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { toColumnValue } from "../fields/columns-store.js";
import { foldCase } from "../validation.js";
import type { Db } from "../../db/database.js";

/** A declared field's value the list keeps (a Boolean or a choice), or null for "unknown". */
export interface AdminUserFieldFilter {
  field: UserFieldDeclaration;
  value: unknown;
}

export interface AdminUserCriteria {
  /**
   * Every word must match one of username, first name, last name or email, or one of the
   * declared text fields in `searchFields`.
   */
  words: readonly string[];
  searchFields?: readonly UserFieldDeclaration[] | undefined;
  fieldFilters?: readonly AdminUserFieldFilter[] | undefined;
  isStaff?: boolean | undefined;
  isSuperuser?: boolean | undefined;
  isActive?: boolean | undefined;
  verified?: boolean | undefined;
  archived?: boolean | undefined;
  groupId?: number | undefined;
}

export const declaredColumn = (field: UserFieldDeclaration) => sql.ref(`users.${field.name}`);

function wordMatches(
  word: string,
  searchFields: readonly UserFieldDeclaration[],
): Expression<SqlBool> {
  const pattern = `%${escapeLike(foldCase(word))}%`;
  const conditions = [
    // The same expressions as the trigram indexes of migration 202611260130, so PostgreSQL can use them.
    sql`users.username_key like ${pattern} escape '\\'`,
    sql`users.email_key like ${pattern} escape '\\'`,
    sql`lower(users.first_name) like ${pattern} escape '\\'`,
    sql`lower(users.last_name) like ${pattern} escape '\\'`,
    // Declared text columns have no such index: a search reads them row by row.
    ...searchFields.map(
      (field) => sql`lower(${declaredColumn(field)}) like ${pattern} escape '\\'`,
    ),
  ];
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}

/** Ids of the users matching; status filters are semi-joins, since every user has one status row. */
export function matchingUsers(db: Db, criteria: AdminUserCriteria) {
  let query = db.selectFrom("users");
  for (const word of criteria.words)
    query = query.where(wordMatches(word, criteria.searchFields ?? []));
  for (const { field, value } of criteria.fieldFilters ?? []) {
    query = query.where((eb) =>
      value === null
        ? eb(declaredColumn(field), "is", null)
        : eb(declaredColumn(field), "=", toColumnValue(field, value)),
    );
  }
  for (const [column, value] of [
    ["users.is_staff", criteria.isStaff],
    ["users.is_superuser", criteria.isSuperuser],
    ["users.is_active", criteria.isActive],
  ] as const) {
    if (value !== undefined) query = query.where(column, "=", value);
  }
  for (const [column, value] of [
    ["user_status.verified", criteria.verified],
    ["user_status.archived", criteria.archived],
  ] as const) {
    if (value === undefined) continue;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("user_status")
          .select("user_status.user_id")
          .whereRef("user_status.user_id", "=", "users.id")
          .where(column, "=", value),
      ),
    );
  }
  const groupId = criteria.groupId;
  if (groupId !== undefined) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("user_groups")
          .select("user_groups.user_id")
          .whereRef("user_groups.user_id", "=", "users.id")
          .where("user_groups.group_id", "=", groupId),
      ),
    );
  }
  return query;
}
