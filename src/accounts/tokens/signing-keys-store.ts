// SQL for the JWT signing keys Gatehouse generated (signing-keys.ts).
import type { Db } from "../../db/database.js";
import { toDate } from "../../db/values.js";

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  publicKeyPem: string;
  /** Sealed (secret-box.ts); opened only by the process that signs. */
  sealedPrivateKey: string;
  createdAt: Date;
  activatesAt: Date;
}

/** False when a key of the same algorithm activates at the same instant (another won). */
export async function insertSigningKey(db: Db, key: StoredSigningKey): Promise<boolean> {
  const result = await db
    .insertInto("jwt_signing_keys")
    .values({
      kid: key.kid,
      algorithm: key.algorithm,
      public_key: key.publicKeyPem,
      private_key: key.sealedPrivateKey,
      created_at: key.createdAt,
      activates_at: key.activatesAt,
    })
    .onConflict((conflict) => conflict.columns(["algorithm", "activates_at"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Every stored key, oldest activation first. */
export async function listSigningKeys(db: Db): Promise<StoredSigningKey[]> {
  const rows = await db
    .selectFrom("jwt_signing_keys")
    .selectAll()
    .orderBy("activates_at")
    .orderBy("kid")
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    algorithm: row.algorithm,
    publicKeyPem: row.public_key,
    sealedPrivateKey: row.private_key,
    createdAt: toDate(row.created_at),
    activatesAt: toDate(row.activates_at),
  }));
}

export async function deleteSigningKeys(db: Db, kids: readonly string[]): Promise<void> {
  if (kids.length === 0) return;
  await db
    .deleteFrom("jwt_signing_keys")
    .where("kid", "in", [...kids])
    .execute();
}
