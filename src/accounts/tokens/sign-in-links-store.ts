// SQL for the newest email sign-in link of each user (accounts/email-sign-in.ts).
import type { Db } from "../../db/database.js";

/** Makes `linkId` the user's one live link; any older link stops working. */
export async function replaceSignInLink(
  db: Db,
  link: { userId: number; linkId: string; createdAt: Date },
): Promise<void> {
  await db
    .insertInto("sign_in_links")
    .values({ user_id: link.userId, link_id: link.linkId, created_at: link.createdAt })
    .onConflict((conflict) =>
      conflict.column("user_id").doUpdateSet({ link_id: link.linkId, created_at: link.createdAt }),
    )
    .execute();
}

/**
 * Spends the link: true for the one caller that deleted it, false when it is not the user's live
 * link (used already, by a concurrent request too, or retired by a newer one).
 */
export async function spendSignInLink(db: Db, userId: number, linkId: string): Promise<boolean> {
  const result = await db
    .deleteFrom("sign_in_links")
    .where("user_id", "=", userId)
    .where("link_id", "=", linkId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
