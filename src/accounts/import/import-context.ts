// What every phase of an import shares: the source and its tables, the decisions made before
// the first batch (field mapping, duplicates, permissions), the options and the report.
import type { UserFieldDeclaration } from "../../config/user-fields.js";
import type { Db } from "../../db/database.js";
import type { DjangoTables } from "./django-model.js";
import type { DjangoSource, SourceRow } from "./django-source-store.js";
import type { DuplicateRule } from "./duplicates.js";
import type { FieldPlan } from "./field-mapping.js";
import type { PermissionMapping } from "./permissions.js";
import type { ImportRecorder } from "./report.js";

export interface ImportContext {
  source: DjangoSource;
  tables: DjangoTables;
  declared: readonly UserFieldDeclaration[];
  fields: FieldPlan;
  duplicates: DuplicateRule;
  permissions: PermissionMapping;
  recorder: ImportRecorder;
  /** The digest layout of user rows this run writes, and every layout recorded so far. */
  layout: { index: number; columns: string[] };
  layouts: readonly string[][];
  isDryRun: boolean;
  unusableUnknownHashes: boolean;
  now: Date;
  /** Django group id → our group id (0: a dry run would create it). Filled by the groups phase. */
  groups: Map<number, number>;
  /** Django users a dry run would not import (the tokens and log entries of those are not either). */
  skippedUsers: Set<number>;
}

/** One phase: reads what a batch needs from Django, then writes it in the batch's transaction. */
export interface PhaseHandler<Prepared> {
  prepare(context: ImportContext, rows: SourceRow[]): Promise<Prepared>;
  apply(context: ImportContext, db: Db, prepared: Prepared): Promise<void>;
}
