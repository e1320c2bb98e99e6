// SQL behind the admin's Refresh tokens section: listing with the user's name, and bulk revoke
// and delete by id. Only digests and 8-character prefixes are stored (SPEC §2.4 [FIX]).
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import type { Database } from "../../db/tables.js";
import { escapeLike, toDate } from "../../db/values.js";
import { foldCase } from "../validation.js";
import type { Db } from "../../db/database.js";

export interface AdminRefreshTokenRow {
  id: number;
  userId: number;
  username: string;
  tokenPrefix: string;
  created: Date;
  revoked: Date | null;
}

export interface AdminRefreshTokenFilter {
  /** Matches the username (ignoring case), the token prefix, or the digest of a whole token. */
  /** With `tokenDigest`, the text is a whole token: matched by its digest, not its prefix. */
  search?: { text: string; tokenDigest?: string };
  isRevoked?: boolean;
  /** Tokens created before `cutoff` are expired (SPEC §2.4: expiry = created + delta). */
  expiry?: { isExpired: boolean; cutoff: Date };
}

type Scope = ExpressionBuilder<Database, "refresh_tokens" | "users">;

function searchExpression(eb: Scope, search: NonNullable<AdminRefreshTokenFilter["search"]>) {
  const text = foldCase(search.text);
  const matches: Expression<SqlBool>[] = [
    sql<boolean>`${sql.ref("users.username_key")} like ${`%${escapeLike(text)}%`} escape '\\'`,
  ];
  if (search.tokenDigest !== undefined) {
    matches.push(eb("refresh_tokens.token_digest", "=", search.tokenDigest));
  } else {
    // Only 8 characters are stored: a longer fragment is matched on its first 8.
    matches.push(
      sql<boolean>`${sql.ref("refresh_tokens.token_prefix")} like ${`${escapeLike(text.slice(0, 8))}%`} escape '\\'`,
    );
  }
  return eb.or(matches);
}

function filteredTokens(db: Db, filter: AdminRefreshTokenFilter) {
  let query = db
    .selectFrom("refresh_tokens")
    .innerJoin("users", "users.id", "refresh_tokens.user_id");
  if (filter.search !== undefined && !filter.search.text.includes("\u0000")) {
    const search = filter.search;
    query = query.where((eb) => searchExpression(eb, search));
  } else if (filter.search !== undefined) {
    // PostgreSQL text cannot hold NUL: such a search matches nothing and must not reach the driver.
    query = query.where(sql<boolean>`1 = 0`);
  }
  if (filter.isRevoked !== undefined) {
    query = query.where("refresh_tokens.revoked", filter.isRevoked ? "is not" : "is", null);
  }
  if (filter.expiry !== undefined) {
    query = query.where(
      "refresh_tokens.created",
      filter.expiry.isExpired ? "<" : ">=",
      filter.expiry.cutoff,
    );
  }
  return query;
}

function selectRows(query: ReturnType<typeof filteredTokens>) {
  return query.select([
    "refresh_tokens.id",
    "refresh_tokens.user_id",
    "users.username",
    "refresh_tokens.token_prefix",
    "refresh_tokens.created",
    "refresh_tokens.revoked",
  ]);
}

type SelectedRow = Awaited<ReturnType<ReturnType<typeof selectRows>["execute"]>>[number];

function toRow(row: SelectedRow): AdminRefreshTokenRow {
  return {
    id: row.id,
    userId: row.user_id,
    username: row.username,
    tokenPrefix: row.token_prefix,
    created: toDate(row.created),
    revoked: row.revoked === null ? null : toDate(row.revoked),
  };
}

export async function countAdminRefreshTokens(
  db: Db,
  filter: AdminRefreshTokenFilter,
): Promise<number> {
  const row = await filteredTokens(db, filter)
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Newest first, as the admin lists them. */
export async function listAdminRefreshTokens(
  db: Db,
  filter: AdminRefreshTokenFilter,
  page: { offset: number; limit: number },
): Promise<AdminRefreshTokenRow[]> {
  const rows = await selectRows(filteredTokens(db, filter))
    .orderBy("refresh_tokens.created", "desc")
    .orderBy("refresh_tokens.id", "desc")
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map(toRow);
}

export async function findAdminRefreshTokens(
  db: Db,
  ids: readonly number[],
): Promise<AdminRefreshTokenRow[]> {
  if (ids.length === 0) return [];
  const rows = await selectRows(filteredTokens(db, {}))
    .where("refresh_tokens.id", "in", [...ids])
    .orderBy("refresh_tokens.id")
    .execute();
  return rows.map(toRow);
}

/** Revokes the live ones among `ids`; already revoked tokens keep their time (SPEC §7.2 [FIX]). */
export async function revokeRefreshTokensById(
  db: Db,
  ids: readonly number[],
  revokedAt: Date,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable("refresh_tokens")
    .set({ revoked: revokedAt })
    .where("id", "in", [...ids])
    .where("revoked", "is", null)
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}

export async function deleteRefreshTokensById(db: Db, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom("refresh_tokens")
    .where("id", "in", [...ids])
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}
