// Bulk seeding, not through the API: one prepared statement in one transaction on SQLite, batches
// of `insert … select from unnest(arrays)` on PostgreSQL. The people come from names.ts (user i is
// the same on every run and database); every user gets the same real argon2id hash.
import Database from "better-sqlite3";
import pg from "pg";
import { personOf } from "./names.js";
import { seededEmailOf, usernameOf } from "./shared.js";

/** Rows per PostgreSQL statement: its four text arrays stay a few MB. */
const BATCH = 100_000;

interface SeededUser {
  username: string;
  firstName: string;
  lastName: string;
}

function seededUser(index: number): SeededUser {
  const { firstName, lastName } = personOf(index);
  return { username: usernameOf(index), firstName, lastName };
}

/**
 * Runs `fill` with `table`'s indexes, unique and foreign-key constraints (all but the primary key)
 * set aside, then builds them again from their own definitions: building an index over a million
 * rows, or checking a million references in one join, costs a fraction of doing it row by row
 * (PostgreSQL's manual, "Populating a Database"). Seeded names arrive in no order.
 */
async function withConstraintsRebuilt(
  client: pg.Client,
  table: string,
  fill: () => Promise<void>,
): Promise<void> {
  const { rows: constraints } = await client.query<{ name: string; definition: string }>(
    `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
     where conrelid = $1::regclass and contype in ('u', 'f') order by contype desc`,
    [table],
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = $1::regclass
       and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`,
    [table],
  );
  const target = client.escapeIdentifier(table);
  for (const { name } of constraints)
    await client.query(`alter table ${target} drop constraint ${client.escapeIdentifier(name)}`);
  for (const { name } of indexes) await client.query(`drop index ${client.escapeIdentifier(name)}`);
  await fill();
  // The trigram indexes' builds sort every trigram of every row: memory saves them passes on disk.
  await client.query("set local maintenance_work_mem = '256MB'");
  for (const { name, definition } of constraints)
    await client.query(
      `alter table ${target} add constraint ${client.escapeIdentifier(name)} ${definition}`,
    );
  for (const { definition } of indexes) await client.query(definition);
}

/**
 * ANALYZE samples as many rows as the finest column's statistics need and studies every column on
 * that sample: the columns with finer statistics (the search keys, see the migration
 * raise-search-key-statistics) are analyzed on their own, so the others get the usual sample.
 */
async function analyze(client: pg.Client, table: string): Promise<void> {
  const { rows } = await client.query<{ fine: boolean; columns: string[] }>(
    `select attstattarget > 0 as fine, array_agg(quote_ident(attname)) as columns
     from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped
     group by attstattarget > 0`,
    [table],
  );
  for (const { columns } of rows)
    await client.query(`analyze ${client.escapeIdentifier(table)} (${columns.join(", ")})`);
}

async function insertUsers(client: pg.Client, count: number, passwordHash: string): Promise<void> {
  // Each batch is built while PostgreSQL inserts the one before.
  let inserting: Promise<unknown> = Promise.resolve();
  for (let start = 1; start <= count; start += BATCH) {
    const users = [];
    for (let i = start; i < Math.min(start + BATCH, count + 1); i++) users.push(seededUser(i));
    await inserting;
    // Usernames are lower-case ASCII, so each is its own case-folded key; emails likewise.
    inserting = client.query(
      `insert into users (password, username, username_key, email, email_key, first_name,
         last_name, is_staff, is_active, is_superuser, date_joined, tokens_valid_after)
       select $1, u, u, e, e, f, l, false, true, false, now(), 0
       from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as people(u, e, f, l)`,
      [
        passwordHash,
        users.map((user) => user.username),
        users.map((user) => seededEmailOf(user.username)),
        users.map((user) => user.firstName),
        users.map((user) => user.lastName),
      ],
    );
  }
  await inserting;
}

export async function seedPostgres(
  url: string,
  count: number,
  passwordHash: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    await withConstraintsRebuilt(client, "users", () => insertUsers(client, count, passwordHash));
    await withConstraintsRebuilt(client, "user_status", async () => {
      await client.query(
        `insert into user_status (user_id, verified, archived)
         select id, true, false from users where not exists (select 1 from user_status s where s.user_id = users.id)`,
      );
    });
    await client.query("commit");
    await analyze(client, "users");
    await analyze(client, "user_status");
  } finally {
    await client.end();
  }
}

export function seedSqlite(path: string, count: number, passwordHash: string): Promise<void> {
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 10000");
    const insert = db.prepare(
      `insert into users (password, username, username_key, email, email_key, first_name, last_name,
         is_staff, is_active, is_superuser, date_joined, tokens_valid_after)
       values (?, ?, ?, ?, ?, ?, ?, 0, 1, 0, ?, 0)`,
    );
    const joined = new Date().toISOString();
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const { username, firstName, lastName } = seededUser(i);
        const email = seededEmailOf(username);
        insert.run(passwordHash, username, username, email, email, firstName, lastName, joined);
      }
      db.exec(
        `insert into user_status (user_id, verified, archived)
         select id, 1, 0 from users where not exists (select 1 from user_status s where s.user_id = users.id)`,
      );
    })();
    db.exec("analyze");
  } finally {
    db.close();
  }
  return Promise.resolve();
}
