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
  /** The session it belongs to; null for tokens from before sessions (or imported ones). */
  session_id: string | null;
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

export interface SessionsTable {
  /** Random, hex: not guessable, so one user's session id says nothing of another's. */
  id: string;
  user_id: number;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  user_agent: string;
  ip: string;
  revoked_at: Timestamp | null;
}

/** A user's newest email sign-in link (accounts/email-sign-in.ts); deleted when it is used. */
export interface SignInLinksTable {
  user_id: number;
  /** Random, hex: the `lid` of the link's token. */
  link_id: string;
  created_at: Timestamp;
}

/** A JWT signing key Gatehouse generated (accounts/tokens/signing-keys.ts). */
export interface JwtSigningKeysTable {
  /** RFC 7638 thumbprint of the public key: the tokens' `kid`. */
  kid: string;
  algorithm: string;
  /** SPKI PEM. */
  public_key: string;
  /** PKCS #8 PEM, sealed with secret-box.ts under SECRET_KEY: never stored in clear. */
  private_key: string;
  created_at: Timestamp;
  /** From then on the newest such key signs; the older ones only verify. */
  activates_at: Timestamp;
}

/** A user's passkey (accounts/passkeys.ts). */
export interface PasskeysTable {
  /** The credential id, base64url. */
  id: string;
  user_id: number;
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  sign_count: number;
  /** JSON list of transports. */
  transports: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A challenge a WebAuthn ceremony must sign; deleted when used. */
export interface WebauthnChallengesTable {
  challenge: string;
  purpose: "register" | "authenticate";
  user_id: number | null;
  expires_at: Timestamp;
}

/** A user's TOTP second factor (accounts/second-factor/); pending until confirmed_at is set. */
export interface TotpSecretsTable {
  user_id: number;
  /** AES-256-GCM ciphertext of the base32 secret (secret-box.ts): never stored in clear. */
  secret_ciphertext: string;
  created_at: Timestamp;
  confirmed_at: Timestamp | null;
  /** The last 30-second step a code was accepted for: no code is accepted twice (RFC 6238 §5.2). */
  last_used_step: number | null;
}

/** Single-use recovery codes: only a SHA-256 digest of each is kept. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_digest: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

/** `gatehouse import-django`: a Django row (by kind and id) and the row it became here. */
export interface DjangoImportMapTable {
  kind: string;
  django_id: number;
  our_id: number;
  /** Index into django_import_state.layouts: the column list `digests` follows. */
  layout: number;
  /** Short digests of the Django values last imported, one per column of the layout. */
  digests: string;
}

/** The import under way or last finished (one row): its checkpoint and digest layouts. */
export interface DjangoImportStateTable {
  id: number;
  source: string;
  user_model: string;
  phase: string;
  after_id: number;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  /** JSON list of column lists (django_import_map.layout). */
  layouts: string;
}

export interface WebhookSubscriptionsTable {
  id: Generated<number>;
  url: string;
  /** whsec_…, sealed with secret-box.ts under SECRET_KEY. */
  secret: string;
  /** JSON list of event types; empty: every type. */
  event_types: string;
  is_active: Bool;
  description: string;
  /** The name under WEBHOOKS for subscriptions the setting declares, else null. */
  setting_name: string | null;
  created_at: Timestamp;
}

export interface WebhookEventsTable {
  id: Generated<number>;
  /** The `webhook-id` header: stable across attempts and replays. */
  message_id: string;
  event_type: string;
  user_id: number | null;
  /** The JSON body exactly as signed and sent. */
  body: string;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: number;
  subscription_id: number;
  user_id: number | null;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
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
  django_import_map: DjangoImportMapTable;
  django_import_state: DjangoImportStateTable;
  totp_secrets: TotpSecretsTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  sign_in_links: SignInLinksTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  jwt_signing_keys: JwtSigningKeysTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
