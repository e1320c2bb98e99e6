// Finds the user model of a Django database from the database itself: every content type whose
// table (`<app_label>_<model>`, Django's default db_table) has the columns of AbstractBaseUser
// and PermissionsMixin is a candidate, and `--user-model app.Model` picks one when there are
// several (a project that moved from auth.User to its own model keeps both tables).
import type { ContentTypeRow, DjangoSource, SourceColumn } from "./django-source-store.js";

/** AbstractUser's columns, as Django 3.2 / 4.2 create them. */
export const ABSTRACT_USER_COLUMNS = [
  "id",
  "password",
  "last_login",
  "is_superuser",
  "username",
  "first_name",
  "last_name",
  "email",
  "is_staff",
  "is_active",
  "date_joined",
] as const;

const USER_MARKERS = ["password", "last_login", "is_superuser"];

export interface DjangoUserModel {
  /** `app_label.model`, as content types name it (`accounts.user`). */
  label: string;
  contentTypeId: number;
  table: string;
  columns: SourceColumn[];
  /** The columns AbstractUser does not have: the project's own fields. */
  extraColumns: SourceColumn[];
  /** Django's many-to-many tables of the model (`<table>_groups`), when present. */
  groupsTable: string | undefined;
  permissionsTable: string | undefined;
  /** The column of those tables that names the user (`<model>_id`). */
  linkColumn: string;
}

export interface DjangoTables {
  userModel: DjangoUserModel;
  contentTypes: ContentTypeRow[];
  /** graphql_auth's status rows, django-graphql-jwt's refresh tokens, the admin's log. */
  statusTable: string | undefined;
  refreshTokenTable: string | undefined;
  adminLogTable: string | undefined;
  groupTable: string | undefined;
  groupPermissionsTable: string | undefined;
  permissionTable: string | undefined;
}

async function optionalTable(source: DjangoSource, table: string): Promise<string | undefined> {
  return (await source.tableExists(table)) ? table : undefined;
}

async function candidates(source: DjangoSource, contentTypes: readonly ContentTypeRow[]) {
  const found: { contentType: ContentTypeRow; table: string; columns: SourceColumn[] }[] = [];
  for (const contentType of contentTypes) {
    const table = `${contentType.appLabel}_${contentType.model}`;
    if (!(await source.tableExists(table))) continue;
    const columns = await source.describeTable(table);
    const names = new Set(columns.map((column) => column.name));
    if (USER_MARKERS.every((name) => names.has(name))) found.push({ contentType, table, columns });
  }
  return found;
}

async function describeCandidates(
  source: DjangoSource,
  found: readonly { contentType: ContentTypeRow; table: string }[],
): Promise<string> {
  const parts: string[] = [];
  for (const { contentType, table } of found) {
    const count = await source.countRows(table);
    parts.push(`${contentType.appLabel}.${contentType.model} (table ${table}, ${count} rows)`);
  }
  return parts.join(", ");
}

/** Throws, with a message for the operator, when there is no user model or no single one. */
export async function findDjangoTables(
  source: DjangoSource,
  wanted: string | undefined,
): Promise<DjangoTables> {
  if (!(await source.tableExists("django_content_type")))
    throw new Error(
      `${source.description} has no django_content_type table: is it a Django database?`,
    );
  const contentTypes = await source.contentTypes();
  const found = await candidates(source, contentTypes);
  let chosen = found;
  if (wanted !== undefined) {
    const label = wanted.toLowerCase();
    chosen = found.filter((c) => `${c.contentType.appLabel}.${c.contentType.model}` === label);
    if (chosen.length === 0)
      throw new Error(
        `--user-model ${wanted}: no such user model; the Django database has ${
          found.length === 0 ? "none" : await describeCandidates(source, found)
        }`,
      );
  }
  const [only] = chosen;
  if (only === undefined)
    throw new Error(
      "No user model found: no content type names a table with password, last_login and is_superuser columns",
    );
  if (chosen.length > 1)
    throw new Error(
      `The Django database has several user models: ${await describeCandidates(source, chosen)}. ` +
        "Name the one AUTH_USER_MODEL names with --user-model app.Model.",
    );
  const names = new Set(only.columns.map((column) => column.name));
  const missing = ABSTRACT_USER_COLUMNS.filter((name) => !names.has(name));
  if (missing.length > 0)
    throw new Error(
      `${only.table} lacks AbstractUser's ${missing.join(", ")}: only models built on AbstractUser import`,
    );
  const known = new Set<string>(ABSTRACT_USER_COLUMNS);
  const userModel: DjangoUserModel = {
    label: `${only.contentType.appLabel}.${only.contentType.model}`,
    contentTypeId: only.contentType.id,
    table: only.table,
    columns: only.columns,
    extraColumns: only.columns.filter((column) => !known.has(column.name)),
    groupsTable: await optionalTable(source, `${only.table}_groups`),
    permissionsTable: await optionalTable(source, `${only.table}_user_permissions`),
    linkColumn: `${only.contentType.model}_id`,
  };
  return {
    userModel,
    contentTypes,
    statusTable: await optionalTable(source, "graphql_auth_userstatus"),
    refreshTokenTable: await optionalTable(source, "refresh_token_refreshtoken"),
    adminLogTable: await optionalTable(source, "django_admin_log"),
    groupTable: await optionalTable(source, "auth_group"),
    groupPermissionsTable: await optionalTable(source, "auth_group_permissions"),
    permissionTable: await optionalTable(source, "auth_permission"),
  };
}
