// Schema statements for one declared field's column of `users`: Django's column type on each
// database, adding the column with its fill value and indexes, and converting it to a new shape.
import { PostgresAdapter, sql, type RawBuilder } from "kysely";
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { fromColumnValue, toColumnValue, type AnyDb } from "./columns-store.js";

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

const indexName = (field: { name: string }, kind: "uniq" | "idx") => `users_${field.name}_${kind}`;

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

export async function addColumn(db: AnyDb, field: UserFieldDeclaration): Promise<void> {
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

export async function createIndexes(db: AnyDb, field: UserFieldDeclaration): Promise<void> {
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

export async function dropIndexes(db: AnyDb, name: string): Promise<void> {
  for (const kind of ["uniq", "idx"] as const)
    await db.schema.dropIndex(indexName({ name }, kind)).ifExists().execute();
}

/**
 * PostgreSQL converts in place (USING column::type, then the null constraint); SQLite keeps any
 * value in any column, so its values are converted by decoding them as the old field and
 * encoding them as the new one.
 */
export async function convertColumn(
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
