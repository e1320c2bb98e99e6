// Sessions a user can see and end (issue 16): one per sign-in; ending one stops its refresh
// token and its access tokens at the next request, on this process and on any other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aVerifiedUser,
  logIn,
  STRONG_PASSWORD,
  type RegisteredUser,
} from "../../../support/builders.js";
import {
  ME,
  PASSWORD_CHANGE,
  REFRESH_TOKEN,
  REVOKE_TOKEN,
  TOKEN_AUTH_USERNAME,
} from "../../../support/operations.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../../support/server-process.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../../support/test-app.js";

const SESSIONS = `{ sessions { id current createdAt lastUsedAt expiresAt userAgent ip } }`;
const REVOKE_SESSION = `mutation ($id: ID!) { revokeSession(id: $id) { success errors } }`;
const REVOKE_OTHERS = `mutation { revokeOtherSessions { success errors } }`;

interface SessionRow {
  id: string;
  current: boolean;
  lastUsedAt: string;
  userAgent: string;
}

describe.each(testDatabases())("sessions on %s", (database) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(async () => {
    await app.close();
  });

  async function sessionsOf(token: string): Promise<SessionRow[]> {
    const response = await app.gql(SESSIONS, {}, { token });
    return response.body.data?.sessions as SessionRow[];
  }

  async function signInFrom(user: RegisteredUser, userAgent: string) {
    const response = await app.gql(
      TOKEN_AUTH_USERNAME,
      { username: user.username, password: user.password },
      { headers: { "user-agent": userAgent } },
    );
    return response.body.data?.tokenAuth as { token: string; refreshToken: string };
  }

  it("lists the caller's sessions newest first and marks the current one; none for anonymous", async () => {
    const user = await aVerifiedUser(app);
    app.clock.advance(1);
    const laptop = await signInFrom(user, "Laptop/1.0");
    app.clock.advance(1);
    const phone = await signInFrom(user, "Phone/2.0");
    const seen = await sessionsOf(phone.token);
    // The third is the registration's own sign-in, from the test client (Node's fetch: "node").
    expect(seen.map((session) => session.userAgent)).toEqual(["Phone/2.0", "Laptop/1.0", "node"]);
    expect(seen.map((session) => session.current)).toEqual([true, false, false]);
    expect((await sessionsOf(laptop.token)).map((s) => s.current)).toEqual([false, true, false]);
    const anonymous = await app.gql(SESSIONS, {});
    expect(anonymous.body.data?.sessions).toEqual([]);
  });

  it("ends one session: its access token and refresh token stop at once, the others go on", async () => {
    const user = await aVerifiedUser(app);
    const lost = await signInFrom(user, "Lost phone");
    const kept = await signInFrom(user, "Laptop");
    const lostId = (await sessionsOf(lost.token)).find((session) => session.current)?.id ?? "";
    const revoked = await app.gql(REVOKE_SESSION, { id: lostId }, { token: kept.token });
    expect(revoked.body.data?.revokeSession).toEqual({ success: true, errors: null });
    expect((await app.gql(ME, {}, { token: lost.token })).body.data?.me).toBeNull();
    const refresh = await app.gql(REFRESH_TOKEN, { refreshToken: lost.refreshToken });
    expect(refresh.body.data?.refreshToken).toMatchObject({ success: false });
    expect((await app.gql(ME, {}, { token: kept.token })).body.data?.me).toMatchObject({
      username: user.username,
    });
    expect((await sessionsOf(kept.token)).map((session) => session.id)).not.toContain(lostId);
  });

  it("does not end another user's session, answering as for a missing one", async () => {
    const [owner, stranger] = [await aVerifiedUser(app), await aVerifiedUser(app)];
    const ownerSession = (await sessionsOf(owner.token))[0]?.id ?? "";
    const attempt = await app.gql(REVOKE_SESSION, { id: ownerSession }, { token: stranger.token });
    expect(attempt.body.data?.revokeSession).toEqual({
      success: false,
      errors: { id: [{ message: "No such session.", code: "session_not_found" }] },
    });
    expect((await app.gql(ME, {}, { token: owner.token })).body.data?.me).toMatchObject({
      username: owner.username,
    });
    for (const id of ["", "x", `${ownerSession}\u0000`, "%".repeat(32), "1".repeat(10_000)]) {
      const madeUp = await app.gql(REVOKE_SESSION, { id }, { token: stranger.token });
      expect(madeUp.body.data?.revokeSession).toMatchObject({ success: false });
      expect(JSON.stringify(madeUp.body)).toContain("session_not_found");
    }
  });

  it("ends the session signed out of with revokeToken, access tokens included", async () => {
    const user = await aVerifiedUser(app);
    const leaving = await signInFrom(user, "Shared computer");
    const signedOut = await app.gql(REVOKE_TOKEN, { refreshToken: leaving.refreshToken });
    expect(signedOut.body.data?.revokeToken).toMatchObject({ success: true, errors: null });
    expect((await app.gql(ME, {}, { token: leaving.token })).body.data?.me).toBeNull();
    expect((await sessionsOf(user.token)).map((session) => session.userAgent)).toEqual(["node"]);
    const again = await app.gql(REVOKE_TOKEN, { refreshToken: leaving.refreshToken });
    expect(again.body.data?.revokeToken).toMatchObject({ success: false });
  });

  it("ends every other session and keeps the caller's own", async () => {
    const user = await aVerifiedUser(app);
    const other = await signInFrom(user, "Other");
    const mine = await signInFrom(user, "Mine");
    const answer = await app.gql(REVOKE_OTHERS, {}, { token: mine.token });
    expect(answer.body.data?.revokeOtherSessions).toEqual({ success: true, errors: null });
    expect((await app.gql(ME, {}, { token: other.token })).body.data?.me).toBeNull();
    expect((await app.gql(ME, {}, { token: user.token })).body.data?.me).toBeNull();
    expect((await sessionsOf(mine.token)).map((session) => session.userAgent)).toEqual(["Mine"]);
  });

  it("keeps a session through refreshes, noting when it was last used", async () => {
    const user = await aVerifiedUser(app);
    const before = (await sessionsOf(user.token))[0];
    app.clock.advance(120);
    const refreshed = await app.gql(REFRESH_TOKEN, { refreshToken: user.refreshToken });
    const token = (refreshed.body.data?.refreshToken as { token: string }).token;
    const after = await sessionsOf(token);
    expect(after.map((session) => session.id)).toEqual([before?.id]);
    expect(after[0]?.current).toBe(true);
    expect(Date.parse(after[0]?.lastUsedAt ?? "")).toBeGreaterThan(
      Date.parse(before?.lastUsedAt ?? ""),
    );
  });

  it("ends every session on a password change and goes on in a new one", async () => {
    const user = await aVerifiedUser(app);
    const other = await logIn(app, user);
    const changed = await app.gql(
      PASSWORD_CHANGE,
      { old: user.password, p1: "Brand-New-Secret-77", p2: "Brand-New-Secret-77" },
      { token: user.token },
    );
    const token = (changed.body.data?.passwordChange as { token: string }).token;
    expect((await app.gql(ME, {}, { token: other.token })).body.data?.me).toBeNull();
    const sessions = await sessionsOf(token);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.current).toBe(true);
  });
});

describe.each(testDatabases())("a session ended on one server process, on %s", (database) => {
  let storage: PersistentDatabase;
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    storage = await aPersistentDatabase(database);
    const env = {
      NODE_ENV: "test",
      SECRET_KEY: "sessions-secret-key-that-is-long-enough-for-tests",
      DATABASE_URL: storage.url,
      RATE_LIMITS: "false",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_TIME_COST: "1",
    };
    const first = await startServerProcess(env);
    servers = [first, await startServerProcess({ ...env, MIGRATE_ON_START: "false" })];
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await storage.drop();
  });

  async function gql(server: ServerProcess, query: string, variables: object, token?: string) {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token === undefined ? {} : { authorization: `JWT ${token}` }),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown> };
  }

  it("refuses the session's access token and refresh token at once on the other process", async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const username = unique("twoproc");
    const registered = await gql(
      a,
      `mutation ($e: String!, $u: String!, $p: String!) {
      register(email: $e, username: $u, password1: $p, password2: $p) { success token refreshToken } }`,
      {
        e: `${username}@example.com`,
        u: username,
        p: STRONG_PASSWORD,
      },
    );
    const { token, refreshToken } = registered.data?.register as {
      token: string;
      refreshToken: string;
    };
    // Seen on b first, so any cache there has it.
    expect((await gql(b, ME, {}, token)).data?.me).toMatchObject({ username });
    const sessions = (await gql(a, SESSIONS, {}, token)).data?.sessions as SessionRow[];
    const revoked = await gql(a, REVOKE_SESSION, { id: sessions[0]?.id }, token);
    expect(revoked.data?.revokeSession).toEqual({ success: true, errors: null });
    expect((await gql(b, ME, {}, token)).data?.me).toBeNull();
    const refresh = await gql(b, REFRESH_TOKEN, { refreshToken });
    expect(refresh.data?.refreshToken).toMatchObject({ success: false });
  });
});
