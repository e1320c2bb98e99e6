// `gatehouse import-django`: brings a Django (django-graphql-auth) database's accounts here,
// reading it and never writing it. Phases run in order (groups, users, refresh tokens, admin
// log); each streams its Django table by id in batches (keyset pagination, bounded memory) and
// writes each batch in one transaction together with the checkpoint, so an interrupted import
// continues after the last batch it committed. Every imported row is mapped (Django id → ours,
// with digests of what it held), so running it again imports only what changed since.
import type { Deps } from "../../deps.js";
import { findDjangoTables, type DjangoTables } from "./django-model.js";
import { openDjangoSource, type DjangoSource, type SourceRow } from "./django-source-store.js";
import { findDuplicates } from "./duplicates.js";
import { planFieldMapping } from "./field-mapping.js";
import { adminLogContentTypes, adminLogPhase } from "./import-admin-log.js";
import type { ImportContext, PhaseHandler } from "./import-context.js";
import { groupsPhase, loadGroupMappings } from "./import-groups.js";
import { refreshTokensPhase } from "./import-refresh-tokens.js";
import {
  analyzeImportedTables,
  findImportState,
  liftStatementTimeout,
  saveCheckpoint,
  saveImportState,
  withImportLock,
  type ImportState,
} from "./import-state-store.js";
import { usersPhase } from "./import-users.js";
import { mapPermissions } from "./permissions.js";
import {
  IMPORT_PHASES,
  ImportRecorder,
  type ImportPhase,
  type ImportProgress,
  type ImportReport,
} from "./report.js";
import { userLayout } from "./source-users.js";
import type { Db } from "../../db/database.js";

export interface ImportOptions {
  /** The Django DATABASE_URL (sqlite: or postgres://). */
  from: string;
  /** `app.Model`, when the Django database has more than one user model. */
  userModel?: string | undefined;
  skipColumns: readonly string[];
  unusableUnknownHashes: boolean;
  isDryRun: boolean;
  batchSize: number;
  /** Start over instead of continuing an interrupted import (safe: nothing is imported twice). */
  restart: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

const DONE = "done";
const ANALYZE_FIRST_AT = 10_000;

interface PhaseSource {
  table: string | undefined;
  where?: { column: string; values: readonly number[] };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each phase prepares its own shape
  handler: PhaseHandler<any>;
}

function phaseSource(phase: ImportPhase, tables: DjangoTables): PhaseSource {
  switch (phase) {
    case "groups":
      return { table: tables.groupTable, handler: groupsPhase };
    case "users":
      return { table: tables.userModel.table, handler: usersPhase };
    case "refresh_tokens":
      return { table: tables.refreshTokenTable, handler: refreshTokensPhase };
    case "admin_log":
      return {
        table: tables.adminLogTable,
        where: { column: "content_type_id", values: adminLogContentTypes(tables) },
        handler: adminLogPhase,
      };
  }
}

/**
 * Imports (or, with isDryRun, only counts) what the Django database holds. Throws, before
 * writing anything, when the Django database or USER_FIELDS do not fit (the message says how).
 */
export async function importFromDjango(
  deps: Pick<Deps, "config" | "db" | "clock">,
  options: ImportOptions,
): Promise<ImportReport> {
  const started = Date.now();
  const source = await openDjangoSource(options.from);
  try {
    const tables = await findDjangoTables(source, options.userModel);
    const declared = deps.config.accounts.userFields;
    const fields = planFieldMapping(tables.userModel.extraColumns, declared, options.skipColumns);
    const recorder = new ImportRecorder({
      dryRun: options.isDryRun,
      source: source.description,
      userModel: tables.userModel.label,
    });
    await withImportLock(deps.db, async (db) => {
      const state = await findImportState(db);
      const resume =
        !options.restart &&
        state !== undefined &&
        state.finishedAt === null &&
        state.userModel === tables.userModel.label
          ? state
          : undefined;
      const columns = userLayout(fields);
      const layouts = [...(state?.layouts ?? [])];
      let index = layouts.findIndex((layout) => JSON.stringify(layout) === JSON.stringify(columns));
      if (index < 0) index = layouts.push(columns) - 1;
      const context: ImportContext = {
        source,
        tables,
        declared,
        fields,
        duplicates: await findDuplicates(source, tables),
        permissions: await mapPermissions(db, source, tables),
        recorder,
        layout: { index, columns },
        layouts,
        isDryRun: options.isDryRun,
        unusableUnknownHashes: options.unusableUnknownHashes,
        now: deps.clock.now(),
        groups: new Map(),
        skippedUsers: new Set(),
      };
      if (resume !== undefined)
        recorder.report.resumedFrom = { phase: resume.phase, afterId: resume.afterId };
      for (const skipped of fields.skipped)
        recorder.note(
          `Column ${skipped} of ${tables.userModel.table} was left out (--skip-column).`,
        );
      for (const field of fields.defaulted)
        recorder.note(
          `USER_FIELDS ${field.name} is not in the Django table: imported users get its default.`,
        );
      const checkpoint: ImportState = {
        source: source.description,
        userModel: tables.userModel.label,
        phase: resume?.phase ?? IMPORT_PHASES[0],
        afterId: resume?.afterId ?? 0,
        startedAt: resume?.startedAt ?? context.now,
        finishedAt: null,
        layouts,
      };
      if (!options.isDryRun) await saveImportState(db, checkpoint);
      await runPhases(context, db, options, checkpoint);
      if (!options.isDryRun)
        await saveImportState(db, {
          ...checkpoint,
          phase: DONE,
          afterId: 0,
          finishedAt: deps.clock.now(),
        });
    });
    recorder.report.elapsedMs = Date.now() - started;
    return recorder.report;
  } finally {
    await source.close();
  }
}

async function runPhases(
  context: ImportContext,
  db: Db,
  options: ImportOptions,
  checkpoint: ImportState,
): Promise<void> {
  const first = Math.max(0, IMPORT_PHASES.indexOf(checkpoint.phase as ImportPhase));
  for (const [index, phase] of IMPORT_PHASES.entries()) {
    if (index < first) continue;
    // The users phase needs every group imported so far, also when groups ran in an earlier run.
    if (phase === "users") await loadGroupMappings(context, db);
    const afterId = index === first ? checkpoint.afterId : 0;
    await runPhase(context, db, options, phase, afterId);
    const next = IMPORT_PHASES[index + 1] ?? DONE;
    if (!options.isDryRun) await saveCheckpoint(db, next, 0);
  }
}

async function runPhase(
  context: ImportContext,
  db: Db,
  options: ImportOptions,
  phase: ImportPhase,
  startAfterId: number,
): Promise<void> {
  const { table, where, handler } = phaseSource(phase, context.tables);
  if (table === undefined) return;
  const source: DjangoSource = context.source;
  const started = Date.now();
  const total = await source.countRows(table, where, startAfterId);
  let done = 0;
  const report = () =>
    options.onProgress?.({ phase, done, total, elapsedMs: Date.now() - started });
  report();
  // Statistics are refreshed each time the rows read double (10 k, 20 k, 40 k, …): a handful of
  // ANALYZEs for a million users (import-state-store.ts analyzeImportedTables).
  let analyzeAt = ANALYZE_FIRST_AT;
  for (let afterId = startAfterId; ;) {
    if (!options.isDryRun && done >= analyzeAt) {
      await analyzeImportedTables(db, phase);
      analyzeAt = done * 2;
    }
    const rows: SourceRow[] = await source.readAfter(table, afterId, options.batchSize, where);
    const last = rows.at(-1);
    if (last === undefined) break;
    const prepared: unknown = await handler.prepare(context, rows);
    const lastId = Number(last.id);
    if (options.isDryRun) await handler.apply(context, db, prepared);
    else
      await db.transaction().execute(async (tx) => {
        await liftStatementTimeout(tx);
        await handler.apply(context, tx, prepared);
        await saveCheckpoint(tx, phase, lastId);
      });
    afterId = lastId;
    done += rows.length;
    context.recorder.report.rowsRead += rows.length;
    report();
  }
}
