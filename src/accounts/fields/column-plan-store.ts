// SQL for the declared user fields (USER_FIELDS) as columns of `users`, on both databases. The
// declaration the database holds is recorded in `user_field_declarations`, so a start with
// another one knows exactly what differs: new fields are added with their defaults and indexes
// (data kept); what would drop or convert data (a removed field, another type, a shorter
// max_length, null → not null) waits for `gatehouse fields --apply`, which says what it does.
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import { withMigrationLock } from "../../db/migrate.js";
import { addColumn, convertColumn, createIndexes, dropIndexes } from "./column-schema-store.js";
import type { AnyDb } from "./columns-store.js";

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
