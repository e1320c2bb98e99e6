// Pieces shared by the bench runner and the baseline server: the seeded data's shape, the GraphQL
// bodies of every scenario, and the SQL both sides run.
import { seededUsername } from "./names.js";

export type DbKind = "sqlite" | "postgres";

export const SECRET_KEY = "gatehouse-bench-secret-key-0123456789abcdef";
export const PASSWORD = "Bench-Password-42!x";
/** The Django/Argon2 encoding prefix Gatehouse writes before the PHC string. */
export const ARGON2_PREFIX = "argon2";
export const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** The username of seeded user `index` (1-based), the same on every run (names.ts). */
export function usernameOf(index: number): string {
  return seededUsername(index);
}

export function seededEmailOf(username: string): string {
  return `${username}@example.com`;
}

export const QUERIES = {
  me: "query { me { username email verified } }",
  verifyToken:
    "mutation ($token: String!) { verifyToken(token: $token) { success payload errors } }",
  refreshToken:
    "mutation ($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { success token refreshToken errors } }",
  tokenAuth:
    "mutation ($username: String!, $password: String!) { tokenAuth(username: $username, password: $password) { success token refreshToken errors } }",
  usersFilter:
    "query ($q: String!) { users(first: 50, username_Icontains: $q) { edges { node { username email } } pageInfo { hasNextPage } } }",
  usersDeep:
    "query ($offset: Int!) { users(first: 50, offset: $offset) { edges { node { username email } } pageInfo { hasNextPage } } }",
  updateAccount:
    "mutation ($firstName: String!) { updateAccount(firstName: $firstName) { success errors } }",
  register:
    "mutation ($email: String!, $username: String!, $password1: String!, $password2: String!) { register(email: $email, username: $username, password1: $password1, password2: $password2) { success token refreshToken errors } }",
} as const;

export type Operation = keyof typeof QUERIES;

export function body(operation: Operation, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query: QUERIES[operation], variables });
}

/** Placeholders are `?`; the PostgreSQL side turns them into $1, $2, … */
export const SQL = {
  userByUsername:
    "select users.id, users.username, users.email, users.password, users.is_active, users.tokens_valid_after, user_status.verified from users inner join user_status on user_status.user_id = users.id where users.username = ?",
  usernameById: "select username from users where id = ?",
  // The page's ids first, then their status rows, as Gatehouse's user-list-store.ts does.
  pageFiltered:
    "select users.*, user_status.verified, user_status.archived, user_status.secondary_email from users inner join user_status on user_status.user_id = users.id where users.id in (select id from users where username_key like ? escape '\\' order by id limit ? offset ?) order by users.id",
  pageAll:
    "select users.*, user_status.verified, user_status.archived, user_status.secondary_email from users inner join user_status on user_status.user_id = users.id where users.id in (select id from users order by id limit ? offset ?) order by users.id",
  refreshByDigest: "select id, user_id, revoked from refresh_tokens where token_digest = ?",
  revokeRefresh: "update refresh_tokens set revoked = ? where id = ?",
  insertRefresh:
    "insert into refresh_tokens (user_id, token_digest, token_prefix, created) values (?, ?, ?, ?)",
  usernameTaken: "select 1 from users where username_key = ? or email_key = ?",
  insertUser:
    "insert into users (password, username, username_key, email, email_key, first_name, last_name, is_staff, is_active, is_superuser, date_joined, tokens_valid_after) values (?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, 0) returning id",
  insertStatus: "insert into user_status (user_id, verified, archived) values (?, ?, ?)",
  insertOutbox:
    "insert into mail_outbox (created_at, recipients, subject, text_body, html_body, status, attempts, next_attempt_at) values (?, ?, ?, ?, ?, 'pending', 0, ?)",
} as const;

export function toPgSql(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
