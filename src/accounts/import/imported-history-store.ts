// SQL for what an import brings besides accounts: refresh tokens (their digests; the tokens
// themselves are never stored) and the admin log's entries about the imported users.
import type { Db } from "../../db/database.js";

export interface ImportedRefreshToken {
  userId: number;
  digest: string;
  prefix: string;
  created: Date;
  revoked: Date | null;
}

export interface ImportedLogEntry {
  actionTime: Date;
  userId: number | null;
  contentType: string;
  objectId: string;
  objectRepr: string;
  actionFlag: number;
  changeMessage: string;
}

export async function findStoredDigests(db: Db, digests: readonly string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db
    .selectFrom("refresh_tokens")
    .select("token_digest")
    .where("token_digest", "in", digests)
    .execute();
  return new Set(rows.map((row) => row.token_digest));
}

/** Inserts refresh tokens; returns their ids by digest (unique). */
export async function insertRefreshTokens(
  db: Db,
  tokens: readonly ImportedRefreshToken[],
): Promise<Map<string, number>> {
  if (tokens.length === 0) return new Map();
  const rows = await db
    .insertInto("refresh_tokens")
    .values(
      tokens.map((token) => ({
        user_id: token.userId,
        token_digest: token.digest,
        token_prefix: token.prefix,
        created: token.created,
        revoked: token.revoked,
        replaced_by_id: null,
      })),
    )
    .returning(["id", "token_digest"])
    .execute();
  return new Map(rows.map((row) => [row.token_digest, row.id]));
}

/** Revokes a token not revoked yet, at the time Django revoked it. */
export async function revokeRefreshTokenByDigest(
  db: Db,
  digest: string,
  revokedAt: Date,
): Promise<boolean> {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ revoked: revokedAt })
    .where("token_digest", "=", digest)
    .where("revoked", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertLogEntries(
  db: Db,
  entries: readonly ImportedLogEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto("admin_log")
    .values(
      entries.map((entry) => ({
        action_time: entry.actionTime,
        user_id: entry.userId,
        content_type: entry.contentType,
        object_id: entry.objectId,
        object_repr: entry.objectRepr.slice(0, 200),
        action_flag: entry.actionFlag,
        change_message: entry.changeMessage,
      })),
    )
    .execute();
}
