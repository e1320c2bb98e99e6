// The Django database an import reads (`import-django --from <DATABASE_URL>`), through a Kysely
// instance of its own, only ever read: SQLite is opened read-only, PostgreSQL sessions are made
// read-only. Tables are Django's (auth_user or a custom user model, django_content_type, …), so
// names come from the database itself and are always quoted. Values are turned into one form
// whichever database Django wrote them to: booleans, Dates for datetimes (Django keeps naive UTC
// text on SQLite), `YYYY-MM-DD` dates, parsed JSON.
import { resolve } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type RawBuilder,
} from "kysely";
import pg from "pg";
import { postgresTypeParsers } from "../../db/postgres.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Django's tables are not ours to type
type SourceDb = Kysely<any>;
export type SourceRow = Record<string, unknown>;

export interface SourceColumn {
  name: string;
  /** The declared type, lower case: `varchar(150)`, `bool`, `timestamp with time zone`, … */
  dataType: string;
  isNullable: boolean;
  maxLength?: number;
  precision?: number;
  scale?: number;
  /** The column's database default as the catalog writes it (Django ≤ 4.2 sets none). */
  defaultText?: string;
  isPrimaryKey: boolean;
  isUnique: boolean;
  isIndexed: boolean;
  /** A CHECK (col >= 0): Django's Positive*Field. */
  isPositive: boolean;
  /** SQLite's JSONField: text with a JSON_VALID check. */
  isJsonText: boolean;
  /** The table a foreign key points to. */
  references?: string;
}

export interface ContentTypeRow {
  id: number;
  appLabel: string;
  model: string;
}

export interface DjangoSource {
  kind: "sqlite" | "postgres";
  /** The URL without its password, for messages and the checkpoint. */
  description: string;
  tableExists(table: string): Promise<boolean>;
  describeTable(table: string): Promise<SourceColumn[]>;
  contentTypes(): Promise<ContentTypeRow[]>;
  countRows(
    table: string,
    where?: { column: string; values: readonly number[] },
    afterId?: number,
  ): Promise<number>;
  /** Up to `limit` rows with `id` above `afterId`, by id (keyset pagination). */
  readAfter(
    table: string,
    afterId: number,
    limit: number,
    where?: { column: string; values: readonly number[] },
  ): Promise<SourceRow[]>;
  readWhereIn(table: string, column: string, values: readonly number[]): Promise<SourceRow[]>;
  /** Rows of `table` whose `column`, case-folded, is shared with another row (or `alsoIn`). */
  readCaseDuplicates(
    table: string,
    column: string,
    alsoIn?: { table: string; column: string },
  ): Promise<SourceRow[]>;
  close(): Promise<void>;
}

export function isSqliteUrl(url: string): boolean {
  return /^sqlite:/i.test(url) || !/^[a-z][a-z0-9+.-]*:/i.test(url);
}

/** `sqlite:path`, `sqlite:///path` (dj-database-url's form) or a bare path; else PostgreSQL. */
export function openDjangoSource(url: string): Promise<DjangoSource> {
  if (isSqliteUrl(url)) {
    const path = resolve(url.replace(/^sqlite:(\/\/)?/i, ""));
    // better-sqlite3 opens synchronously and throws (a missing file): a rejection for callers.
    return new Promise((done) => {
      done(sqliteSource(path, `sqlite:${path}`));
    });
  }
  if (!/^postgres(ql)?:\/\//i.test(url))
    return Promise.reject(
      new Error(`--from: ${redact(url)} is neither a sqlite: nor a postgres:// URL`),
    );
  return Promise.resolve(postgresSource(url));
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

const DJANGO_DATETIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?([+-]\d{2}:?\d{2}|Z)?$/;

/** Django's SQLite datetime text (naive UTC with USE_TZ, microseconds optional) as a Date. */
export function parseDjangoDateTime(text: string): Date {
  const match = DJANGO_DATETIME.exec(text.trim());
  if (match === null) return new Date(Number.NaN);
  const [, date = "", time = "", fraction = "", zone] = match;
  const millis = fraction === "" ? "" : fraction.slice(0, 4).padEnd(4, "0");
  return new Date(`${date}T${time}${millis}${zone ?? "Z"}`);
}

type Normalizer = (value: unknown) => unknown;

function sqliteNormalizer(column: SourceColumn): Normalizer | undefined {
  if (column.dataType === "bool")
    return (value) => (value === null ? null : value === 1 || value === true);
  if (column.dataType === "datetime")
    return (value) => (typeof value === "string" ? parseDjangoDateTime(value) : value);
  if (column.isJsonText)
    return (value) => (typeof value === "string" ? (JSON.parse(value) as unknown) : value);
  return undefined;
}

function normalizeRows(rows: SourceRow[], normalizers: Map<string, Normalizer>): SourceRow[] {
  if (normalizers.size === 0) return rows;
  for (const row of rows) {
    for (const [name, normalize] of normalizers) {
      if (name in row) row[name] = normalize(row[name]);
    }
  }
  return rows;
}

function sqliteSource(path: string, description: string): DjangoSource {
  const sqlite = new SQLite(path, { readonly: true, fileMustExist: true });
  // SQLite's lower() folds ASCII only; duplicates are found with JavaScript's folding, as ours.
  sqlite.function("gatehouse_fold", { deterministic: true }, (value: unknown) =>
    typeof value === "string" ? value.toLowerCase() : value,
  );
  const db: SourceDb = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  return makeSource(db, {
    kind: "sqlite",
    description,
    fold: (ref) => sql`gatehouse_fold(${ref})`,
    describe: (table) => describeSqliteTable(db, table),
    tableExists: async (table) => {
      const { rows } = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' and name = ${table}`.execute(db);
      return rows.length > 0;
    },
    normalizer: sqliteNormalizer,
  });
}

function postgresSource(url: string): DjangoSource {
  // The same parsers as our own pools: ids as numbers, dates as their text.
  const types = postgresTypeParsers();
  const pool = new pg.Pool({ connectionString: url, max: 2, types });
  pool.on("error", () => undefined);
  const db: SourceDb = new Kysely({
    dialect: new PostgresDialect({
      pool,
      // The Django side is only read: a write here would be a bug, and PostgreSQL refuses it.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(
          CompiledQuery.raw("set session characteristics as transaction read only"),
        );
      },
    }),
  });
  return makeSource(db, {
    kind: "postgres",
    description: redact(url),
    fold: (ref) => sql`lower(${ref})`,
    describe: (table) => describePostgresTable(db, table),
    tableExists: async (table) => {
      const { rows } = await sql<{ present: boolean }>`select exists (
        select 1 from information_schema.tables
        where table_schema = current_schema() and table_name = ${table}) as present`.execute(db);
      return rows[0]?.present === true;
    },
    normalizer: () => undefined,
  });
}

interface Dialect {
  kind: "sqlite" | "postgres";
  description: string;
  fold: (ref: RawBuilder<unknown>) => RawBuilder<unknown>;
  describe: (table: string) => Promise<SourceColumn[]>;
  tableExists: (table: string) => Promise<boolean>;
  normalizer: (column: SourceColumn) => Normalizer | undefined;
}

function makeSource(db: SourceDb, dialect: Dialect): DjangoSource {
  const described = new Map<string, Promise<SourceColumn[]>>();
  const describe = (table: string) => {
    let columns = described.get(table);
    if (columns === undefined) {
      columns = dialect.describe(table);
      described.set(table, columns);
    }
    return columns;
  };
  const normalizersOf = async (table: string) => {
    const normalizers = new Map<string, Normalizer>();
    for (const column of await describe(table)) {
      const normalize = dialect.normalizer(column);
      if (normalize !== undefined) normalizers.set(column.name, normalize);
    }
    return normalizers;
  };
  const read = async (table: string, query: RawBuilder<SourceRow>) =>
    normalizeRows((await query.execute(db)).rows, await normalizersOf(table));
  const filter = (where?: { column: string; values: readonly number[] }) =>
    where === undefined
      ? sql`1 = 1`
      : where.values.length === 0
        ? sql`1 = 0`
        : sql`${sql.ref(where.column)} in (${sql.join(where.values)})`;
  return {
    kind: dialect.kind,
    description: dialect.description,
    tableExists: dialect.tableExists,
    describeTable: describe,
    async contentTypes() {
      const { rows } = await sql<{ id: number; app_label: string; model: string }>`
        select id, app_label, model from django_content_type order by id`.execute(db);
      return rows.map((row) => ({ id: row.id, appLabel: row.app_label, model: row.model }));
    },
    async countRows(table, where, afterId = 0) {
      const { rows } = await sql<{ count: number | string }>`
        select count(*) as count from ${sql.table(table)}
        where id > ${afterId} and ${filter(where)}`.execute(db);
      return Number(rows[0]?.count ?? 0);
    },
    readAfter: (table, afterId, limit, where) =>
      read(
        table,
        sql<SourceRow>`select * from ${sql.table(table)}
          where id > ${afterId} and ${filter(where)} order by id limit ${limit}`,
      ),
    readWhereIn: (table, column, values) =>
      values.length === 0
        ? Promise.resolve([])
        : read(
            table,
            sql<SourceRow>`select * from ${sql.table(table)}
              where ${sql.ref(column)} in (${sql.join(values)}) order by id`,
          ),
    readCaseDuplicates(table, column, alsoIn) {
      const key = dialect.fold(sql.ref(column));
      const shared = sql`select ${key} from ${sql.table(table)}
        where ${sql.ref(column)} is not null and ${sql.ref(column)} <> ''
        group by ${key} having count(*) > 1`;
      const other =
        alsoIn === undefined
          ? sql`select null where 1 = 0`
          : sql`select ${dialect.fold(sql.ref(alsoIn.column))} from ${sql.table(alsoIn.table)}
              where ${sql.ref(alsoIn.column)} <> ''`;
      return read(
        table,
        sql<SourceRow>`select * from ${sql.table(table)}
          where ${sql.ref(column)} is not null and ${sql.ref(column)} <> ''
            and (${key} in (${shared}) or ${key} in (${other}))
          order by id`,
      );
    },
    close: () => db.destroy(),
  };
}

async function describeSqliteTable(db: SourceDb, table: string): Promise<SourceColumn[]> {
  const { rows: columns } = await sql<{
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
    pk: number;
  }>`select name, type, "notnull", dflt_value, pk from pragma_table_info(${table})`.execute(db);
  const { rows: indexes } = await sql<{ name: string; unique: number }>`
    select name, "unique" from pragma_index_list(${table})`.execute(db);
  const single = new Map<string, { isUnique: boolean }>();
  for (const index of indexes) {
    const { rows: parts } = await sql<{ name: string }>`
      select name from pragma_index_info(${index.name})`.execute(db);
    const [only] = parts;
    if (parts.length !== 1 || only === undefined) continue;
    const seen = single.get(only.name);
    single.set(only.name, { isUnique: (seen?.isUnique ?? false) || index.unique === 1 });
  }
  const { rows: keys } = await sql<{ from: string; table: string }>`
    select "from", "table" from pragma_foreign_key_list(${table})`.execute(db);
  const { rows: definition } = await sql<{ sql: string | null }>`
    select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const ddl = definition[0]?.sql ?? "";
  return columns.map((column) => {
    const dataType = column.type.toLowerCase();
    const length = /^(?:varchar|char)\((\d+)\)$/.exec(dataType);
    const quoted = `"${column.name}"`;
    const index = single.get(column.name);
    const reference = keys.find((key) => key.from === column.name);
    return {
      name: column.name,
      dataType,
      isNullable: column.notnull === 0 && column.pk === 0,
      ...(length?.[1] === undefined ? {} : { maxLength: Number(length[1]) }),
      ...(column.dflt_value === null ? {} : { defaultText: column.dflt_value }),
      isPrimaryKey: column.pk > 0,
      isUnique: index?.isUnique === true,
      isIndexed: index !== undefined,
      isPositive: ddl.includes(`${quoted} >= 0`) || dataType.endsWith("unsigned"),
      isJsonText:
        dataType === "text" && ddl.toUpperCase().includes(`JSON_VALID(${quoted.toUpperCase()})`),
      ...(reference === undefined ? {} : { references: reference.table }),
    };
  });
}

async function describePostgresTable(db: SourceDb, table: string): Promise<SourceColumn[]> {
  const { rows: columns } = await sql<{
    column_name: string;
    data_type: string;
    is_nullable: string;
    character_maximum_length: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
    column_default: string | null;
  }>`select column_name, data_type, is_nullable, character_maximum_length, numeric_precision,
      numeric_scale, column_default
    from information_schema.columns
    where table_schema = current_schema() and table_name = ${table}
    order by ordinal_position`.execute(db);
  // Single-column indexes (unique or not) and constraints, from the catalog of this schema.
  const { rows: indexes } = await sql<{ column_name: string; is_unique: boolean; is_pk: boolean }>`
    select a.attname as column_name, i.indisunique as is_unique, i.indisprimary as is_pk
    from pg_index i
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
    where n.nspname = current_schema() and t.relname = ${table} and i.indnatts = 1`.execute(db);
  const { rows: constraints } = await sql<{ kind: string; definition: string; target: string }>`
    select c.contype as kind, pg_get_constraintdef(c.oid) as definition,
      coalesce(f.relname, '') as target
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_namespace n on n.oid = t.relnamespace
    left join pg_class f on f.oid = c.confrelid
    where n.nspname = current_schema() and t.relname = ${table} and c.contype in ('c', 'f')`.execute(
    db,
  );
  return columns.map((column) => {
    const name = column.column_name;
    const mine = indexes.filter((index) => index.column_name === name);
    const quotedOrBare = new RegExp(`\\(+"?${name}"?\\s*>=\\s*0\\)`);
    const reference = constraints.find(
      (c) => c.kind === "f" && new RegExp(`^FOREIGN KEY \\("?${name}"?\\)`).test(c.definition),
    );
    return {
      name,
      dataType: column.data_type.toLowerCase(),
      isNullable: column.is_nullable === "YES",
      ...(column.character_maximum_length === null
        ? {}
        : { maxLength: column.character_maximum_length }),
      ...(column.numeric_precision === null || column.data_type !== "numeric"
        ? {}
        : { precision: column.numeric_precision, scale: column.numeric_scale ?? 0 }),
      ...(column.column_default === null ? {} : { defaultText: column.column_default }),
      isPrimaryKey: mine.some((index) => index.is_pk),
      isUnique: mine.some((index) => index.is_unique && !index.is_pk),
      isIndexed: mine.length > 0,
      isPositive: constraints.some((c) => c.kind === "c" && quotedOrBare.test(c.definition)),
      isJsonText: false,
      ...(reference === undefined ? {} : { references: reference.target }),
    };
  });
}
