// What must hold in the database whatever requests came before (SPEC §2.3, §2.4, §5.0): checked
// with direct SQL, so a broken invariant is seen even when every answer looked right.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../src/db/tables.js";

/** The username an action token names (SPEC §7.3: base64url JSON, then timestamp and signature). */
export function usernameInActionToken(token: string): string | undefined {
  const [encoded = ""] = token.split(":");
  try {
    const payload = JSON.parse(Buffer.from(encoded, "base64url").toString("latin1")) as unknown;
    const username = (payload as { username?: unknown }).username;
    return typeof username === "string" ? username : undefined;
  } catch {
    return undefined;
  }
}

const ACTION_TOKEN = /[A-Za-z0-9_-]{8,}:[0-9A-Za-z]{1,12}:[A-Za-z0-9_-]{27,43}/g;

/** The usernames named by the action tokens in a mail's text. */
export function usernamesInMail(text: string): string[] {
  return [...text.matchAll(ACTION_TOKEN)]
    .map((match) => usernameInActionToken(match[0]))
    .filter((username) => username !== undefined);
}

/**
 * Every broken invariant, as readable lines (empty when all hold):
 * every user has exactly one status row and every status row a user; every refresh token
 * belongs to a user; every outbox message names a recipient and carries a link for a user that
 * exists (an outbox row is written in the transaction of the change that causes it, so a mail
 * for a user that is not there comes from a change that did not commit).
 */
export async function accountInvariantViolations(db: Kysely<Database>): Promise<string[]> {
  const violations: string[] = [];
  const usersWithoutStatus = await db
    .selectFrom("users")
    .leftJoin("user_status", "user_status.user_id", "users.id")
    .where("user_status.user_id", "is", null)
    .select(["users.id", "users.username"])
    .execute();
  for (const user of usersWithoutStatus) {
    violations.push(`user ${user.id} (${user.username}) has no user_status row`);
  }
  const duplicatedStatus = await db
    .selectFrom("user_status")
    .select(["user_id", (eb) => eb.fn.countAll<number | string>().as("rows")])
    .groupBy("user_id")
    .having(sql`count(*)`, ">", 1)
    .execute();
  for (const row of duplicatedStatus) {
    violations.push(`user ${row.user_id} has ${row.rows} user_status rows`);
  }
  const statusWithoutUser = await db
    .selectFrom("user_status")
    .leftJoin("users", "users.id", "user_status.user_id")
    .where("users.id", "is", null)
    .select("user_status.user_id")
    .execute();
  for (const row of statusWithoutUser) {
    violations.push(`user_status row for missing user ${row.user_id}`);
  }
  const orphanTokens = await db
    .selectFrom("refresh_tokens")
    .leftJoin("users", "users.id", "refresh_tokens.user_id")
    .where("users.id", "is", null)
    .select(["refresh_tokens.id", "refresh_tokens.user_id"])
    .execute();
  for (const token of orphanTokens) {
    violations.push(`refresh token ${token.id} belongs to missing user ${token.user_id}`);
  }
  violations.push(...(await outboxViolations(db)));
  return violations;
}

async function outboxViolations(db: Kysely<Database>): Promise<string[]> {
  const violations: string[] = [];
  const usernames = new Set(
    (await db.selectFrom("users").select("username").execute()).map((row) => row.username),
  );
  const messages = await db
    .selectFrom("mail_outbox")
    .select(["id", "recipients", "text_body"])
    .execute();
  for (const message of messages) {
    let recipients: unknown;
    try {
      recipients = JSON.parse(message.recipients);
    } catch {
      recipients = undefined;
    }
    if (
      !Array.isArray(recipients) ||
      recipients.length === 0 ||
      !recipients.every((to) => typeof to === "string" && to !== "")
    ) {
      violations.push(`outbox message ${message.id} has recipients ${message.recipients}`);
    }
    const named = usernamesInMail(message.text_body);
    if (named.length === 0) violations.push(`outbox message ${message.id} carries no action link`);
    for (const username of named) {
      if (!usernames.has(username)) {
        violations.push(`outbox message ${message.id} is for missing user ${username}`);
      }
    }
  }
  return violations;
}

export async function countRows(
  db: Kysely<Database>,
  table: "users" | "user_status" | "mail_outbox" | "refresh_tokens",
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
