// SQL for the second factor: a user's TOTP secret (encrypted, pending until confirmed) and their
// recovery codes (digests). Each write that consumes something is one conditional UPDATE, so two
// requests racing with one code cannot both succeed.
import type { Db } from "../../db/database.js";
import { toDate } from "../../db/values.js";

export interface StoredTotpSecret {
  ciphertext: string;
  createdAt: Date;
  /** Undefined while set up but not confirmed. */
  confirmedAt: Date | undefined;
  lastUsedStep: number | null;
}

export async function findTotpSecret(
  db: Db,
  userId: number,
): Promise<StoredTotpSecret | undefined> {
  const row = await db
    .selectFrom("totp_secrets")
    .select(["secret_ciphertext", "created_at", "confirmed_at", "last_used_step"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    ciphertext: row.secret_ciphertext,
    createdAt: toDate(row.created_at),
    confirmedAt: row.confirmed_at === null ? undefined : toDate(row.confirmed_at),
    lastUsedStep: row.last_used_step,
  };
}

export async function isTotpConfirmed(db: Db, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom("totp_secrets")
    .select("user_id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Stores a new pending secret, replacing a pending one; false (nothing written) when the user's
 * secret is confirmed, also when a concurrent confirmation got there first.
 */
export async function upsertPendingTotpSecret(
  db: Db,
  secret: { userId: number; ciphertext: string; createdAt: Date },
): Promise<boolean> {
  const result = await db
    .insertInto("totp_secrets")
    .values({
      user_id: secret.userId,
      secret_ciphertext: secret.ciphertext,
      created_at: secret.createdAt,
      confirmed_at: null,
      last_used_step: null,
    })
    .onConflict((conflict) =>
      conflict
        .column("user_id")
        .doUpdateSet({ secret_ciphertext: secret.ciphertext, created_at: secret.createdAt })
        .where("totp_secrets.confirmed_at", "is", null),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Confirms the pending secret that was checked (the same ciphertext: not one a concurrent setup
 * put in its place) and records the step its code was for; false when that did not happen.
 */
export async function confirmTotpSecret(
  db: Db,
  confirmation: { userId: number; ciphertext: string; confirmedAt: Date; step: number },
): Promise<boolean> {
  const result = await db
    .updateTable("totp_secrets")
    .set({ confirmed_at: confirmation.confirmedAt, last_used_step: confirmation.step })
    .where("user_id", "=", confirmation.userId)
    .where("secret_ciphertext", "=", confirmation.ciphertext)
    .where("confirmed_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records an accepted step; false when it, or a later one, was already used (a replay). */
export async function recordUsedTotpStep(db: Db, userId: number, step: number): Promise<boolean> {
  const result = await db
    .updateTable("totp_secrets")
    .set({ last_used_step: step })
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .where((where) =>
      where.or([where("last_used_step", "is", null), where("last_used_step", "<", step)]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes the secret and the recovery codes; true when there was a secret (pending or not). */
export async function deleteSecondFactor(db: Db, userId: number): Promise<boolean> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  const result = await db
    .deleteFrom("totp_secrets")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Replaces every recovery code of the user (used or not) with these digests. */
export async function replaceRecoveryCodes(
  db: Db,
  codes: { userId: number; digests: readonly string[]; createdAt: Date },
): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", codes.userId).execute();
  if (codes.digests.length === 0) return;
  await db
    .insertInto("recovery_codes")
    .values(
      codes.digests.map((digest) => ({
        user_id: codes.userId,
        code_digest: digest,
        created_at: codes.createdAt,
        used_at: null,
      })),
    )
    .execute();
}

/** Marks an unused code used; false when the user has no such unused code. */
export async function useRecoveryCode(
  db: Db,
  use: { userId: number; digest: string; usedAt: Date },
): Promise<boolean> {
  const result = await db
    .updateTable("recovery_codes")
    .set({ used_at: use.usedAt })
    .where("user_id", "=", use.userId)
    .where("code_digest", "=", use.digest)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((select) => select.fn.countAll().as("count"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
