// Bulk seeding, not through the API: one prepared statement in one transaction on SQLite,
// `insert … select generate_series` on PostgreSQL. Every user gets the same real argon2id hash.
import Database from "better-sqlite3";
import pg from "pg";
import { usernameOf } from "./shared.js";

export async function seedPostgres(
  url: string,
  count: number,
  passwordHash: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into users (password, username, username_key, email, email_key, first_name, last_name,
         is_staff, is_active, is_superuser, date_joined, tokens_valid_after)
       select $1, u, u, u || '@example.com', u || '@example.com', 'First', 'Last', false, true, false, now(), 0
       from (select 'user' || lpad(i::text, 7, '0') as u from generate_series(1, $2::int) as i) as names`,
      [passwordHash, count],
    );
    await client.query(
      `insert into user_status (user_id, verified, archived)
       select id, true, false from users where not exists (select 1 from user_status s where s.user_id = users.id)`,
    );
    await client.query("commit");
    await client.query("analyze users");
    await client.query("analyze user_status");
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
       values (?, ?, ?, ?, ?, 'First', 'Last', 0, 1, 0, ?, 0)`,
    );
    const joined = new Date().toISOString();
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const name = usernameOf(i);
        const email = `${name}@example.com`;
        insert.run(passwordHash, name, name, email, email, joined);
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
