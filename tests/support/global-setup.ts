// Integration tests run against every database in TEST_DATABASES (default: both). In CI a
// missing PostgreSQL is a failure, not a skip (STYLE.md §10), so check it once up front.
import pg from "pg";

export const DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

export default async function setup(): Promise<void> {
  const wanted = (process.env.TEST_DATABASES ?? "sqlite,postgres").split(",");
  if (!wanted.includes("postgres")) return;
  const client = new pg.Client(process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL);
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(
      "PostgreSQL is not reachable for the integration tests (set TEST_POSTGRES_URL, or TEST_DATABASES=sqlite to skip it locally)",
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
