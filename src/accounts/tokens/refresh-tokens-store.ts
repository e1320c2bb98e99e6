// SQL for refresh tokens. Only digests are stored (SPEC §2.4 [FIX]).
import type { Selectable } from "kysely";
import type { RefreshTokensTable } from "../../db/tables.js";
import { toDate } from "../../db/values.js";
import type { Db } from "../../db/database.js";

export interface RefreshTokenRecord {
  id: number;
  userId: number;
  tokenPrefix: string;
  created: Date;
  revoked: Date | null;
  replacedById: number | null;
  sessionId: string | null;
}

function toRecord(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tokenPrefix: row.token_prefix,
    created: toDate(row.created),
    revoked: row.revoked === null ? null : toDate(row.revoked),
    replacedById: row.replaced_by_id,
    sessionId: row.session_id,
  };
}

export async function insertRefreshToken(
  db: Db,
  token: {
    userId: number;
    digest: string;
    prefix: string;
    created: Date;
    sessionId: string | null;
  },
): Promise<number> {
  const row = await db
    .insertInto("refresh_tokens")
    .values({
      user_id: token.userId,
      token_digest: token.digest,
      token_prefix: token.prefix,
      created: token.created,
      revoked: null,
      replaced_by_id: null,
      session_id: token.sessionId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findRefreshTokenByDigest(
  db: Db,
  digest: string,
): Promise<RefreshTokenRecord | undefined> {
  const row = await db
    .selectFrom("refresh_tokens")
    .selectAll()
    .where("token_digest", "=", digest)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Revokes one token unless already revoked; false when another request got there first. */
export async function revokeRefreshToken(
  db: Db,
  id: number,
  revokedAt: Date,
  replacedById: number | null = null,
): Promise<boolean> {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ revoked: revokedAt, replaced_by_id: replacedById })
    .where("id", "=", id)
    .where("revoked", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes every live token of a user; already revoked ones keep their time (SPEC §7.2 [FIX]). */
export async function revokeUserRefreshTokens(
  db: Db,
  userId: number,
  revokedAt: Date,
): Promise<number> {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ revoked: revokedAt })
    .where("user_id", "=", userId)
    .where("revoked", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Gives an existing row a new value (JWT_REUSE_REFRESH_TOKENS). */
export async function replaceRefreshTokenValue(
  db: Db,
  id: number,
  token: { digest: string; prefix: string; created: Date },
): Promise<void> {
  await db
    .updateTable("refresh_tokens")
    .set({ token_digest: token.digest, token_prefix: token.prefix, created: token.created })
    .where("id", "=", id)
    .execute();
}

export async function deleteRevokedRefreshTokens(db: Db): Promise<number> {
  const result = await db
    .deleteFrom("refresh_tokens")
    .where("revoked", "is not", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteRefreshTokensCreatedBefore(
  db: Db,
  createdBefore: Date,
): Promise<number> {
  const result = await db
    .deleteFrom("refresh_tokens")
    .where("created", "<", createdBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
