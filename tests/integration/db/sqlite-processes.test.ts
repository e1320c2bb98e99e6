// Two `gatehouse serve` processes on one SQLite file, as an operator may run them: concurrent
// writes from both must wait for the file's write lock, never fail with "database is locked".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRONG_PASSWORD } from "../../support/builders.js";
import { REFRESH_TOKEN, REGISTER } from "../../support/operations.js";
import {
  aPersistentDatabase,
  startServerProcess,
  type PersistentDatabase,
  type ServerProcess,
} from "../../support/server-process.js";
import { testDatabases, unique } from "../../support/test-app.js";

const USERS = 12;
const ROUNDS = 8;

interface Answer {
  data?: Record<string, { success: boolean; refreshToken?: string } | null>;
  errors?: unknown;
}

async function post(server: ServerProcess, query: string, variables: object): Promise<Answer> {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

describe.runIf(testDatabases().includes("sqlite"))(
  "two server processes on one SQLite file",
  () => {
    let database: PersistentDatabase;
    let servers: ServerProcess[] = [];

    beforeAll(async () => {
      database = await aPersistentDatabase("sqlite");
      const env = {
        NODE_ENV: "test",
        SECRET_KEY: "test-secret-key-that-is-long-enough-for-tests",
        DATABASE_URL: database.url,
        RATE_LIMITS: "false",
        PASSWORD_HASH_MEMORY_KIB: "1024",
        PASSWORD_HASH_TIME_COST: "1",
      };
      const first = await startServerProcess(env);
      servers = [first, await startServerProcess({ ...env, MIGRATE_ON_START: "false" })];
    }, 120_000);
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await database.drop();
    });

    it("answers every one of many concurrent refreshes spread over both", async () => {
      let tokens = await Promise.all(
        Array.from({ length: USERS }, async (_, index) => {
          const name = unique("locked");
          const answer = await post(servers[index % 2]!, REGISTER, {
            email: `${name}@example.com`,
            username: name,
            password1: STRONG_PASSWORD,
            password2: STRONG_PASSWORD,
          });
          expect(
            answer.errors,
            servers.map((server) => server.output()).join("\n"),
          ).toBeUndefined();
          return answer.data?.register?.refreshToken ?? "";
        }),
      );
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all(
          tokens.map((refreshToken, index) =>
            post(servers[(index + round) % 2]!, REFRESH_TOKEN, { refreshToken }),
          ),
        );
        for (const answer of answers) {
          expect(
            answer.errors,
            servers.map((server) => server.output()).join("\n"),
          ).toBeUndefined();
          expect(answer.data?.refreshToken?.success).toBe(true);
        }
        tokens = answers.map((answer) => answer.data?.refreshToken?.refreshToken ?? "");
      }
    }, 120_000);
  },
);
