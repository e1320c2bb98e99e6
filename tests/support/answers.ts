// Reading what integration tests check: GraphQL answers, and the rows a behaviour leaves behind.
import { expect } from "vitest";
import { TOKEN_AUTH_USERNAME } from "./operations.js";
import type { GraphQLResponse, TestApp } from "./test-app.js";

// expect.any is typed any; as unknown it can sit in typed object literals.
export const A_NUMBER: unknown = expect.any(Number);

/** The payload of `field`, after checking the request raised no top-level GraphQL error. */
export function answerOf(response: GraphQLResponse, field: string): unknown {
  expect(response.body.errors).toBeUndefined();
  return response.body.data?.[field];
}

/** tokenAuth's answer, success or not (builders' `logIn` is the one that requires success). */
export async function logInAnswer(app: TestApp, username: string, password: string) {
  const response = await app.gql(TOKEN_AUTH_USERNAME, { username, password });
  return response.body.data?.tokenAuth as {
    success: boolean;
    errors: unknown;
    user: { username: string; email: string; verified: boolean } | null;
  };
}

export async function userIdOf(app: TestApp, username: string): Promise<number> {
  const row = await app.deps.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Outbox rows addressed to `address`: written before the answer, whether or not delivered yet. */
export async function outboxMessagesTo(app: TestApp, address: string): Promise<number> {
  const rows = await app.deps.db.selectFrom("mail_outbox").select("recipients").execute();
  return rows.filter((row) => (JSON.parse(row.recipients) as string[]).includes(address)).length;
}
