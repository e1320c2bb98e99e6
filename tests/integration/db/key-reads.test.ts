// The user of an access token is read beside Kysely (database.ts KeyReads): on SQLite through a
// second, read-only connection, on PostgreSQL straight from the pool. What a request sees must
// still be exactly the committed state: never another request's transaction in flight (which
// may yet roll back), always a change the moment it commits, and without waiting for a writer.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aVerifiedUser, logIn } from "../../support/builders.js";
import { ME } from "../../support/operations.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";

const ROLLED_BACK = new Error("rolled back on purpose");

describe.each(testDatabases())("the token's user, read beside Kysely, on %s", (database) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  const meOf = async (token: string) =>
    (await app.gql(ME, {}, { token })).body.data?.me as { username: string } | null;

  it("does not see a deactivation that is still in a transaction, nor after it rolls back", async () => {
    const user = await aVerifiedUser(app);
    const { token } = await logIn(app, user);
    const during = app.deps.db
      .transaction()
      .execute(async (trx) => {
        await sql`update users set is_active = ${false} where username = ${user.username}`.execute(
          trx,
        );
        // Answered while the writer still holds its transaction open: the read neither waits
        // for it (on SQLite the write lock is held; waiting would never end) nor sees its write.
        const seen = await meOf(token);
        throw Object.assign(ROLLED_BACK, { seen });
      })
      .catch((error: unknown) => (error as { seen?: unknown }).seen);
    expect(await during).toEqual(expect.objectContaining({ username: user.username }));
    expect(await meOf(token)).toEqual(expect.objectContaining({ username: user.username }));
  });

  it("refuses the token as soon as the deactivation commits", async () => {
    const user = await aVerifiedUser(app);
    const { token } = await logIn(app, user);
    await sql`update users set is_active = ${false} where username = ${user.username}`.execute(
      app.deps.db,
    );
    expect(await meOf(token)).toBeNull();
  });

  it("refuses the token of a session ended a moment ago", async () => {
    const user = await aVerifiedUser(app);
    const { token } = await logIn(app, user);
    expect(await meOf(token)).not.toBeNull();
    await sql`update sessions set revoked_at = ${new Date()} where user_id = (select id from users where username = ${user.username})`.execute(
      app.deps.db,
    );
    expect(await meOf(token)).toBeNull();
  });
});
