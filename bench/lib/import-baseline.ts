// The baseline of `npm run bench:import`: the least a Django import needs, run as a child process
// as the import is, so both are timed and their RSS sampled alike. It reads the bench's Django
// source (auth_user) as `import-django` does — users by id in batches with their status rows and
// group memberships, then refresh tokens by id — and writes the same rows into plain tables (a
// primary key each, Django's ids kept) with multi-row inserts, one transaction per batch: no id
// mapping, no digests of columns, no checkpoint, no duplicates rule, no ORM.
// Usage: import-baseline.ts <django url> <target url> <batch size>; prints { rowsRead, seconds }.
import { createHash } from "node:crypto";
import SQLite from "better-sqlite3";
import pg from "pg";
import { ABSTRACT_USER_COLUMNS } from "../../src/accounts/import/django-model.js";

type Row = Record<string, unknown>;

interface Database {
  isPostgres: boolean;
  /** `?` placeholders on both databases. */
  all(text: string, params?: unknown[]): Promise<Row[]>;
  run(text: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

function openSqlite(url: string, options: { isReadOnly: boolean }): Database {
  const db = new SQLite(url.replace(/^sqlite:/, ""), { readonly: options.isReadOnly });
  // Gatehouse's own settings for its SQLite file (src/db/database.ts), so the disk work is alike.
  if (!options.isReadOnly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  const statements = new Map<string, SQLite.Statement>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  return {
    isPostgres: false,
    all: (text, params = []) => Promise.resolve(prepared(text).all(...params) as Row[]),
    run: (text, params = []) => {
      prepared(text).run(...params);
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const client = new pg.Client(url);
  await client.connect();
  const numbered = (text: string) => {
    let n = 0;
    return text.replace(/\?/g, () => `$${String(++n)}`);
  };
  return {
    isPostgres: true,
    all: async (text, params = []) => (await client.query<Row>(numbered(text), params)).rows,
    run: async (text, params = []) => {
      await client.query(numbered(text), params);
    },
    close: () => client.end(),
  };
}

const open = (url: string, options: { isReadOnly: boolean }) =>
  url.startsWith("sqlite:") ? Promise.resolve(openSqlite(url, options)) : openPostgres(url);

// The source user table's columns, as the import reads them.
const USER_COLUMNS: string[] = [...ABSTRACT_USER_COLUMNS];

async function createTables(db: Database): Promise<void> {
  const time = db.isPostgres ? "timestamptz" : "text";
  for (const text of [
    `create table users (id integer primary key, password varchar(128) not null,
        last_login ${time}, is_superuser boolean not null, username varchar(150) not null,
        first_name varchar(150) not null, last_name varchar(150) not null,
        email varchar(255) not null, is_staff boolean not null, is_active boolean not null,
        date_joined ${time} not null)`,
    `create table user_status (user_id integer primary key, verified boolean not null,
        archived boolean not null, secondary_email varchar(254))`,
    `create table refresh_tokens (id integer primary key, user_id integer not null,
        token_digest char(64) not null, token_prefix varchar(8) not null,
        created ${time} not null, revoked ${time})`,
    `create table user_groups (user_id integer not null, group_id integer not null,
        primary key (user_id, group_id))`,
  ])
    await db.run(text);
}

// Under both databases' limits on parameters per statement (PostgreSQL 65,535, SQLite 32,766).
const MAX_PARAMETERS = 30_000;

async function insertRows(db: Database, table: string, columns: string[], rows: unknown[][]) {
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    await db.run(
      `insert into ${table} (${columns.join(", ")}) values ${chunk.map(() => tuple).join(", ")}`,
      chunk.flat(),
    );
  }
}

async function inTransaction(db: Database, work: () => Promise<void>): Promise<void> {
  await db.run(db.isPostgres ? "begin" : "begin immediate");
  try {
    await work();
    await db.run("commit");
  } catch (error) {
    await db.run("rollback");
    throw error;
  }
}

/** Calls `batch` with each run of up to `size` rows of `table` by id; returns the rows read. */
async function eachBatch(
  source: Database,
  table: string,
  size: number,
  batch: (rows: Row[]) => Promise<void>,
): Promise<number> {
  let read = 0;
  for (let afterId = 0; ;) {
    const rows = await source.all(`select * from ${table} where id > ? order by id limit ?`, [
      afterId,
      size,
    ]);
    const last = rows.at(-1);
    if (last === undefined) return read;
    await batch(rows);
    afterId = Number(last.id);
    read += rows.length;
  }
}

function copyUsers(source: Database, target: Database, batchSize: number): Promise<number> {
  return eachBatch(source, "auth_user", batchSize, async (users) => {
    const ids = users.map((user) => Number(user.id));
    const list = ids.map(() => "?").join(", ");
    const statuses = await source.all(
      `select * from graphql_auth_userstatus where user_id in (${list})`,
      ids,
    );
    const groups = await source.all(
      `select * from auth_user_groups where user_id in (${list})`,
      ids,
    );
    await inTransaction(target, async () => {
      await insertRows(
        target,
        "users",
        USER_COLUMNS,
        users.map((user) => USER_COLUMNS.map((column) => user[column])),
      );
      await insertRows(
        target,
        "user_status",
        ["user_id", "verified", "archived", "secondary_email"],
        statuses.map((s) => [s.user_id, s.verified, s.archived, s.secondary_email]),
      );
      await insertRows(
        target,
        "user_groups",
        ["user_id", "group_id"],
        groups.map((g) => [g.user_id, g.group_id]),
      );
    });
  });
}

function copyRefreshTokens(source: Database, target: Database, batchSize: number) {
  return eachBatch(source, "refresh_token_refreshtoken", batchSize, (tokens) =>
    inTransaction(target, () =>
      insertRows(
        target,
        "refresh_tokens",
        ["id", "user_id", "token_digest", "token_prefix", "created", "revoked"],
        tokens.map((t) => {
          const token = String(t.token);
          const digest = createHash("sha256").update(token).digest("hex");
          return [t.id, t.user_id, digest, token.slice(0, 8), t.created, t.revoked];
        }),
      ),
    ),
  );
}

async function main(): Promise<void> {
  const [from = "", to = "", batch = "1000"] = process.argv.slice(2);
  const source = await open(from, { isReadOnly: true });
  const target = await open(to, { isReadOnly: false });
  await createTables(target);
  const started = performance.now();
  const users = await copyUsers(source, target, Number(batch));
  const tokens = await copyRefreshTokens(source, target, Number(batch));
  const seconds = (performance.now() - started) / 1000;
  await source.close();
  await target.close();
  console.log(JSON.stringify({ rowsRead: users + tokens, seconds }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
