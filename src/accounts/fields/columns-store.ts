// SQL for the declared user fields (USER_FIELDS) as columns of `users`, on both databases. The
// declaration the database holds is recorded in `user_field_declarations`, so a start with
// another one knows exactly what differs: new fields are added with their defaults and indexes
// (data kept); what would drop or convert data (a removed field, another type, a shorter
// max_length, null → not null) waits for `gatehouse fields --apply`, which says what it does.
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from "kysely";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { withMigrationLock } from "../../db/migrate.js";
import { uniqueViolationDetail } from "../../db/values.js";

// Typed against Kysely<any> like the migrations: these columns are not in db/tables.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the users table gains columns at run time
type AnyDb = Kysely<any>;

export interface UserColumnChange {
  name: string;
  /** What applying it does, in words an operator can check ("drops column phone (12 values)"). */
  description: string;
}

export interface UserColumnPlan {
  /** New fields: added at start, data kept. */
  added: UserFieldDeclaration[];
  /** Changes with no effect on stored data (labels, choices, blank, default): recorded at start. */
  recorded: UserFieldDeclaration[];
  /** Changes that drop or convert data: only `gatehouse fields --apply` makes them. */
  destructive: UserColumnChange[];
}

// What the column itself depends on; everything else is the model's business, not the table's.
const COLUMN_SHAPE = [
  "type",
  "null",
  "maxLength",
  "maxDigits",
  "decimalPlaces",
  "unique",
  "dbIndex",
] as const;

function isPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Django's column types (each backend's base.py data_types), text where SQLite would mangle a value. */
export function columnType(field: UserFieldDeclaration, postgres: boolean): RawBuilder<unknown> {
  switch (field.type) {
    case "CharField":
    case "EmailField":
    case "URLField":
    case "SlugField":
      return sql.raw(`varchar(${String(field.maxLength ?? 255)})`);
    case "TextField":
      return sql`text`;
    case "BooleanField":
      return postgres ? sql`boolean` : sql`integer`;
    case "IntegerField":
    case "PositiveIntegerField":
      return sql`integer`;
    case "BigIntegerField":
      return sql`bigint`;
    case "FloatField":
      return postgres ? sql`double precision` : sql`real`;
    case "DecimalField":
      // SQLite's NUMERIC affinity would turn "12.50" into the float 12.5.
      return postgres
        ? sql.raw(`numeric(${String(field.maxDigits ?? 0)}, ${String(field.decimalPlaces ?? 0)})`)
        : sql`text`;
    case "DateField":
      return postgres ? sql`date` : sql`text`;
    case "DateTimeField":
      return postgres ? sql`timestamptz` : sql`text`;
    case "UUIDField":
      return postgres ? sql`uuid` : sql`text`;
    case "JSONField":
      return postgres ? sql`jsonb` : sql`text`;
  }
}

/** A value as a column holds it (the driver and the SQLite plugin take booleans and Dates). */
export function toColumnValue(field: UserFieldDeclaration, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === "JSONField") return JSON.stringify(value);
  if (field.type === "DateTimeField" && typeof value === "string") return new Date(value);
  return value;
}

/** A column's value as the domain holds it, whichever database stored it. */
export function fromColumnValue(field: UserFieldDeclaration, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  const text = columnText(raw);
  switch (field.type) {
    case "BooleanField":
      return raw === true || raw === 1;
    case "IntegerField":
    case "PositiveIntegerField":
    case "BigIntegerField":
    case "FloatField":
      return Number(raw);
    case "DecimalField":
    case "UUIDField":
      return text;
    case "DateField":
      return raw instanceof Date ? raw.toISOString().slice(0, 10) : text;
    case "DateTimeField":
      return raw instanceof Date ? raw : new Date(text);
    case "JSONField":
      return typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
    case "CharField":
    case "TextField":
    case "EmailField":
    case "URLField":
    case "SlugField":
      return text;
  }
}

/** Drivers hand back strings, numbers, booleans, Dates, or (jsonb) parsed JSON. */
function columnText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return raw.toString();
  if (raw instanceof Date) return raw.toISOString();
  return JSON.stringify(raw);
}

const indexName = (field: { name: string }, kind: "uniq" | "idx") => `users_${field.name}_${kind}`;

async function recordedDeclarations(db: AnyDb): Promise<Map<string, UserFieldDeclaration>> {
  const rows = await db
    .selectFrom("user_field_declarations")
    .select(["name", "declaration"])
    .execute();
  return new Map(
    rows.map((row: { name: string; declaration: string }) => [
      row.name,
      JSON.parse(row.declaration) as UserFieldDeclaration,
    ]),
  );
}

function shapeOf(field: UserFieldDeclaration): string {
  return JSON.stringify(COLUMN_SHAPE.map((key) => field[key] ?? null));
}

function describeChange(before: UserFieldDeclaration, after: UserFieldDeclaration): string {
  const changes = COLUMN_SHAPE.filter((key) => (before[key] ?? null) !== (after[key] ?? null)).map(
    (key) =>
      `${key} ${JSON.stringify(before[key] ?? null)} → ${JSON.stringify(after[key] ?? null)}`,
  );
  return `converts column ${after.name} (${changes.join(", ")}); values that do not fit fail the change`;
}

/** What bringing the users table to `declared` would do, without doing it. */
export async function planUserColumns(
  db: AnyDb,
  declared: readonly UserFieldDeclaration[],
): Promise<UserColumnPlan> {
  const recorded = await recordedDeclarations(db);
  const plan: UserColumnPlan = { added: [], recorded: [], destructive: [] };
  for (const field of declared) {
    const before = recorded.get(field.name);
    if (before === undefined) plan.added.push(field);
    else if (shapeOf(before) !== shapeOf(field))
      plan.destructive.push({ name: field.name, description: describeChange(before, field) });
    else if (JSON.stringify(before) !== JSON.stringify(field)) plan.recorded.push(field);
  }
  const declaredNames = new Set(declared.map((field) => field.name));
  for (const name of recorded.keys()) {
    if (!declaredNames.has(name))
      plan.destructive.push({ name, description: `drops column ${name} and every value in it` });
  }
  return plan;
}

/** The value existing rows get for a new column, or undefined when there is none to give. */
function fillValue(field: UserFieldDeclaration): unknown {
  if (field.default !== undefined) return field.default;
  if (field.null) return null;
  return ["CharField", "TextField", "EmailField", "URLField", "SlugField"].includes(field.type)
    ? ""
    : undefined;
}

// SQLite refuses ADD COLUMN … NOT NULL without a default even on an empty table; the filler is
// never read, since every insert writes every declared column.
const EMPTY_TABLE_FILLER: Record<string, unknown> = { text: "", number: 0 };

async function addColumn(db: AnyDb, field: UserFieldDeclaration): Promise<void> {
  const postgres = isPostgres(db);
  let fill = fillValue(field);
  if (fill === undefined) {
    const row = await db.selectFrom("users").select("id").limit(1).executeTakeFirst();
    if (row !== undefined) {
      throw new Error(
        `USER_FIELDS: ${field.name} cannot be added to the existing users: it is not null and ` +
          `has no default (declare "default" or "null": true)`,
      );
    }
    const isNumeric = /Integer|Float/.test(field.type);
    fill = postgres ? undefined : EMPTY_TABLE_FILLER[isNumeric ? "number" : "text"];
  }
  const value = toColumnValue(field, fill);
  const literal = value === null || value === undefined ? undefined : sql.lit(sqliteLiteral(value));
  await db.schema
    .alterTable("users")
    .addColumn(field.name, columnType(field, postgres), (column) => {
      let built = field.null ? column : column.notNull();
      if (literal !== undefined) built = built.defaultTo(literal);
      return built;
    })
    .execute();
  // Django keeps no database default: the model supplies it on every insert.
  if (postgres && literal !== undefined)
    await sql`alter table users alter column ${sql.ref(field.name)} drop default`.execute(db);
  await createIndexes(db, field);
}

function sqliteLiteral(value: unknown): string | number | boolean {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string")
    return value;
  return JSON.stringify(value);
}

async function createIndexes(db: AnyDb, field: UserFieldDeclaration): Promise<void> {
  if (field.unique) {
    await db.schema
      .createIndex(indexName(field, "uniq"))
      .ifNotExists()
      .unique()
      .on("users")
      .column(field.name)
      .execute();
  } else if (field.dbIndex) {
    await db.schema
      .createIndex(indexName(field, "idx"))
      .ifNotExists()
      .on("users")
      .column(field.name)
      .execute();
  }
}

async function dropIndexes(db: AnyDb, name: string): Promise<void> {
  for (const kind of ["uniq", "idx"] as const)
    await db.schema.dropIndex(indexName({ name }, kind)).ifExists().execute();
}

async function record(db: AnyDb, field: UserFieldDeclaration, now: Date): Promise<void> {
  await db
    .insertInto("user_field_declarations")
    .values({ name: field.name, declaration: JSON.stringify(field), applied_at: now })
    .onConflict((conflict) =>
      conflict.column("name").doUpdateSet({ declaration: JSON.stringify(field), applied_at: now }),
    )
    .execute();
}

/** Adds new fields and records harmless changes; throws, listing them, on destructive ones. */
export function syncUserColumns(
  db: AnyDb,
  declared: readonly UserFieldDeclaration[],
  now: Date,
): Promise<UserColumnPlan> {
  // Under the migrations' lock: nodes starting together must not add a column twice.
  return withMigrationLock(db, (locked) => syncLocked(locked, declared, now));
}

async function syncLocked(
  db: AnyDb,
  declared: readonly UserFieldDeclaration[],
  now: Date,
): Promise<UserColumnPlan> {
  const plan = await planUserColumns(db, declared);
  if (plan.destructive.length > 0) {
    throw new Error(
      [
        "USER_FIELDS differs from the declaration the database holds, in ways that drop or convert data:",
        ...plan.destructive.map((change) => `  - ${change.description}`),
        "Run `gatehouse fields` to review and `gatehouse fields --apply` to make these changes.",
      ].join("\n"),
    );
  }
  await applyPlan(db, plan, now);
  return plan;
}

/** `gatehouse fields --apply`: every change of the plan, destructive ones included. */
export function applyUserColumns(
  db: AnyDb,
  declared: readonly UserFieldDeclaration[],
  now: Date,
): Promise<UserColumnPlan> {
  return withMigrationLock(db, (locked) => applyLocked(locked, declared, now));
}

async function applyLocked(
  db: AnyDb,
  declared: readonly UserFieldDeclaration[],
  now: Date,
): Promise<UserColumnPlan> {
  const plan = await planUserColumns(db, declared);
  await db.transaction().execute(async (tx) => {
    const recordedFields = await recordedDeclarations(tx);
    const byName = new Map(declared.map((field) => [field.name, field]));
    for (const change of plan.destructive) {
      const after = byName.get(change.name);
      await dropIndexes(tx, change.name);
      if (after === undefined) {
        await tx.schema.alterTable("users").dropColumn(change.name).execute();
        await tx.deleteFrom("user_field_declarations").where("name", "=", change.name).execute();
      } else {
        const before = recordedFields.get(change.name);
        if (before !== undefined) await convertColumn(tx, before, after);
        await createIndexes(tx, after);
        await record(tx, after, now);
      }
    }
    await applyPlan(tx, { ...plan, destructive: [] }, now);
  });
  return plan;
}

async function applyPlan(db: AnyDb, plan: UserColumnPlan, now: Date): Promise<void> {
  for (const field of plan.added) {
    await addColumn(db, field);
    await record(db, field, now);
  }
  for (const field of plan.recorded) await record(db, field, now);
}

/**
 * PostgreSQL converts in place (USING column::type, then the null constraint); SQLite keeps any
 * value in any column, so its values are converted by decoding them as the old field and
 * encoding them as the new one.
 */
async function convertColumn(
  db: AnyDb,
  before: UserFieldDeclaration,
  after: UserFieldDeclaration,
): Promise<void> {
  const column = sql.ref(after.name);
  if (isPostgres(db)) {
    const type = columnType(after, true);
    await sql`alter table users alter column ${column} type ${type} using ${column}::${type}`.execute(
      db,
    );
    if (after.null) await sql`alter table users alter column ${column} drop not null`.execute(db);
    else await sql`alter table users alter column ${column} set not null`.execute(db);
    return;
  }
  const rows: { id: number; value: unknown }[] = await db
    .selectFrom("users")
    .select(["id", sql.ref(after.name).as("value")])
    .execute();
  for (const row of rows) {
    const value = toColumnValue(after, convertValue(fromColumnValue(before, row.value), after));
    await db
      .updateTable("users")
      .set({ [after.name]: value })
      .where("id", "=", row.id)
      .execute();
  }
}

function convertValue(value: unknown, after: UserFieldDeclaration): unknown {
  if (value === null) {
    if (after.null) return null;
    throw new Error(`USER_FIELDS: ${after.name} cannot become not null: some users have no value`);
  }
  const converted = fromColumnValue(after, value instanceof Date ? value.toISOString() : value);
  if (typeof converted === "number" && Number.isNaN(converted))
    throw new Error(`USER_FIELDS: ${after.name}: ${JSON.stringify(value)} is not a ${after.type}`);
  return converted;
}

/** Whether another user than `exceptUserId` holds `value` in the field's column (unique fields). */
export async function isFieldValueTaken(
  db: AnyDb,
  field: UserFieldDeclaration,
  value: unknown,
  exceptUserId?: number,
): Promise<boolean> {
  let query = db
    .selectFrom("users")
    .select("id")
    .where(field.name, "=", toColumnValue(field, value));
  if (exceptUserId !== undefined) query = query.where("id", "!=", exceptUserId);
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * The declared unique field a failed write collided on, when a concurrent write took the value
 * between the form's check and the save; undefined for any other error.
 */
export function takenDeclaredField(
  error: unknown,
  fields: readonly UserFieldDeclaration[],
): UserFieldDeclaration | undefined {
  const detail = uniqueViolationDetail(error);
  if (detail === undefined) return undefined;
  // PostgreSQL: `Key (phone)=(…) already exists.`; SQLite: `UNIQUE constraint failed: users.phone`.
  return fields.find(
    (field) =>
      field.unique &&
      (detail.includes(`(${field.name})=`) || new RegExp(`users\\.${field.name}\\b`).test(detail)),
  );
}
