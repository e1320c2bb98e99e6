// Row types of every table, as Kysely sees them. Timestamps are Date on PostgreSQL and ISO-8601
// text on SQLite, booleans are 0/1 on SQLite: stores convert at their boundary (see toDate/toBool).
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date | string, Date | string, Date | string>;
type Bool = ColumnType<boolean | number, boolean, boolean>;

export interface UsersTable {
  id: Generated<number>;
  password: string;
  last_login: Timestamp | null;
  is_superuser: Bool;
  username: string;
  /** Case-folded username: makes "Alice" and "alice" one name for registration (SPEC §2.2). */
  username_key: string;
  /** UTS #39 skeleton of the folded name: look-alikes share it (accounts/validation.ts). */
  username_skeleton: string;
  first_name: string;
  last_name: string;
  email: string;
  /** Lower-cased email, null when empty: uniqueness and lookups ignore case (SPEC §2.2 [FIX]). */
  email_key: string | null;
  is_staff: Bool;
  is_active: Bool;
  date_joined: Timestamp;
  /** Unix seconds; access tokens with an earlier origIat are refused (SPEC §3.2 step 5). */
  tokens_valid_after: number;
  /** Access tokens name it in their header; a revocation increments it (accounts/tokens/). */
  token_version: Generated<number>;
}

export interface UserStatusTable {
  user_id: number;
  verified: Bool;
  archived: Bool;
  secondary_email: string | null;
  secondary_email_key: string | null;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the token, hex: the token itself is never stored (SPEC §2.4 [FIX]). */
  token_digest: string;
  token_prefix: string;
  created: Timestamp;
  revoked: Timestamp | null;
  /** Set when rotation replaced this token: presenting it again is reuse (SPEC §5.16). */
  replaced_by_id: number | null;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
}

export interface PermissionsTable {
  id: Generated<number>;
  name: string;
  codename: string;
  content_type: string;
}

export interface GroupPermissionsTable {
  group_id: number;
  permission_id: number;
}

export interface UserGroupsTable {
  user_id: number;
  group_id: number;
}

export interface UserPermissionsTable {
  user_id: number;
  permission_id: number;
}

export interface MailOutboxTable {
  id: Generated<number>;
  created_at: Timestamp;
  recipients: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  sent_at: Timestamp | null;
}

export interface AdminSessionsTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the session cookie's value. */
  session_digest: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Django's LogEntry: action_flag 1 = addition, 2 = change, 3 = deletion. */
export interface AdminLogTable {
  id: Generated<number>;
  action_time: Timestamp;
  user_id: number | null;
  content_type: string;
  object_id: string;
  object_repr: string;
  action_flag: number;
  change_message: string;
}

/** One fixed window of one rate-limit counter (SPEC §11.4), when no Redis is configured. */
export interface RateLimitCountersTable {
  /** "<rule>:<window start, unix ms>:<keyed digest of the IP, address or identifier>". */
  bucket: string;
  hits: number;
  expires_at: Timestamp;
}

export interface UsedActionTokensTable {
  /** SHA-256 of a spent action token that carries no state binding of its own. */
  token_digest: string;
  expires_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  user_status: UserStatusTable;
  refresh_tokens: RefreshTokensTable;
  groups: GroupsTable;
  permissions: PermissionsTable;
  group_permissions: GroupPermissionsTable;
  user_groups: UserGroupsTable;
  user_permissions: UserPermissionsTable;
  mail_outbox: MailOutboxTable;
  admin_sessions: AdminSessionsTable;
  admin_log: AdminLogTable;
  rate_limit_counters: RateLimitCountersTable;
  used_action_tokens: UsedActionTokensTable;
}
