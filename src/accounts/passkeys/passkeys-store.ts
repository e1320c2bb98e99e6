// SQL for passkeys and the WebAuthn challenges of their ceremonies (passkeys.ts).
import type { Db } from "../../db/database.js";
import { toDate } from "../../db/values.js";

export interface StoredPasskey {
  id: string;
  userId: number;
  name: string;
  publicKey: string;
  signCount: number;
  transports: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface PasskeyRow {
  id: string;
  user_id: number;
  name: string;
  public_key: string;
  sign_count: number | string;
  transports: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}

function readTransports(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((item) => typeof item === "string") : [];
  } catch {
    return [];
  }
}

function toPasskey(row: PasskeyRow): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    publicKey: row.public_key,
    signCount: Number(row.sign_count),
    transports: readTransports(row.transports),
    createdAt: toDate(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toDate(row.last_used_at),
  };
}

/** False when a passkey with that credential id exists already. */
export async function insertPasskey(db: Db, passkey: StoredPasskey): Promise<boolean> {
  const result = await db
    .insertInto("passkeys")
    .values({
      id: passkey.id,
      user_id: passkey.userId,
      name: passkey.name,
      public_key: passkey.publicKey,
      sign_count: passkey.signCount,
      transports: JSON.stringify(passkey.transports),
      created_at: passkey.createdAt,
      last_used_at: passkey.lastUsedAt,
    })
    .onConflict((conflict) => conflict.column("id").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findPasskey(db: Db, id: string): Promise<StoredPasskey | undefined> {
  const row = await db.selectFrom("passkeys").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toPasskey(row);
}

/** The user's passkeys, oldest first. */
export async function listPasskeys(db: Db, userId: number): Promise<StoredPasskey[]> {
  const rows = await db
    .selectFrom("passkeys")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toPasskey);
}

/**
 * Records a use, only if the counter read before is still the stored one: of two requests
 * presenting assertions with the same new counter, one wins (false for the other).
 */
export async function recordPasskeyUse(
  db: Db,
  use: { id: string; previousCount: number; newCount: number; usedAt: Date },
): Promise<boolean> {
  const result = await db
    .updateTable("passkeys")
    .set({ sign_count: use.newCount, last_used_at: use.usedAt })
    .where("id", "=", use.id)
    .where("sign_count", "=", use.previousCount)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deletePasskey(db: Db, userId: number, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("passkeys")
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function insertChallenge(
  db: Db,
  challenge: {
    challenge: string;
    purpose: "register" | "authenticate";
    userId: number | null;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto("webauthn_challenges")
    .values({
      challenge: challenge.challenge,
      purpose: challenge.purpose,
      user_id: challenge.userId,
      expires_at: challenge.expiresAt,
    })
    .execute();
}

/**
 * Spends a challenge: the user it was issued for (null: anyone) when this caller deleted it
 * before it expired, undefined when it is unknown, spent or expired.
 */
export async function spendChallenge(
  db: Db,
  challenge: string,
  purpose: "register" | "authenticate",
  now: Date,
): Promise<{ userId: number | null } | undefined> {
  const row = await db
    .deleteFrom("webauthn_challenges")
    .where("challenge", "=", challenge)
    .where("purpose", "=", purpose)
    .returning(["user_id", "expires_at"])
    .executeTakeFirst();
  if (row === undefined || toDate(row.expires_at) <= now) return undefined;
  return { userId: row.user_id };
}

export async function deleteExpiredChallenges(db: Db, now: Date): Promise<void> {
  await db.deleteFrom("webauthn_challenges").where("expires_at", "<", now).execute();
}
