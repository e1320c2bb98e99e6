// SQL for the action tokens without a state binding that have been used (COMPAT_MODE's Django
// links): kept until they would have expired anyway.
import type { Db } from "../../db/database.js";

export async function isActionTokenSpent(db: Db, digest: string): Promise<boolean> {
  const row = await db
    .selectFrom("used_action_tokens")
    .select("token_digest")
    .where("token_digest", "=", digest)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records a use; false when the token was already spent (a concurrent use got there first). */
export async function insertSpentActionToken(
  db: Db,
  token: { digest: string; expiresAt: Date },
): Promise<boolean> {
  const result = await db
    .insertInto("used_action_tokens")
    .values({ token_digest: token.digest, expires_at: token.expiresAt })
    .onConflict((conflict) => conflict.column("token_digest").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function deleteExpiredSpentActionTokens(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom("used_action_tokens")
    .where("expires_at", "<", now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
