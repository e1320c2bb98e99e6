// The admin log phase: django_admin_log's entries about the imported users (and their
// graphql_auth status rows) become their history in our admin, the object and the acting staff
// member named by their ids here (an actor who was not imported is left empty).
import type { Db } from "../../db/database.js";
import { changeMessageText } from "./admin-log.js";
import type { DjangoTables } from "./django-model.js";
import type { SourceRow } from "./django-source-store.js";
import type { ImportContext, PhaseHandler } from "./import-context.js";
import { findMappings, findUserMappings, insertMappings } from "./import-state-store.js";
import { insertLogEntries, type ImportedLogEntry } from "./imported-history-store.js";

interface SourceEntry {
  id: number;
  row: SourceRow;
  /** The Django user the entry is about. */
  subjectId: number | undefined;
  contentType: "accounts.user" | "accounts.userstatus";
}

/** The content type ids whose entries are imported: the user model's and the status model's. */
export function adminLogContentTypes(tables: DjangoTables): number[] {
  const status = tables.contentTypes.find(
    (ct) => ct.appLabel === "graphql_auth" && ct.model === "userstatus",
  );
  return [tables.userModel.contentTypeId, ...(status === undefined ? [] : [status.id])];
}

export const adminLogPhase: PhaseHandler<SourceEntry[]> = {
  prepare: readEntries,
  apply: applyEntries,
};

async function readEntries(context: ImportContext, rows: SourceRow[]): Promise<SourceEntry[]> {
  const userType = context.tables.userModel.contentTypeId;
  const statusIds = rows
    .filter((row) => Number(row.content_type_id) !== userType)
    .map((row) => Number(row.object_id))
    .filter((id) => Number.isSafeInteger(id));
  const owners = new Map<number, number>();
  if (context.tables.statusTable !== undefined && statusIds.length > 0) {
    for (const status of await context.source.readWhereIn(
      context.tables.statusTable,
      "id",
      statusIds,
    ))
      owners.set(Number(status.id), Number(status.user_id));
  }
  return rows.map((row) => {
    const objectId = Number(row.object_id);
    const isUser = Number(row.content_type_id) === userType;
    return {
      id: Number(row.id),
      row,
      subjectId: isUser ? objectId : owners.get(objectId),
      contentType: isUser ? "accounts.user" : "accounts.userstatus",
    };
  });
}

async function applyEntries(context: ImportContext, db: Db, entries: SourceEntry[]): Promise<void> {
  const { recorder } = context;
  const done = await findMappings(
    db,
    "admin_log",
    entries.map((entry) => entry.id),
  );
  const people = entries.flatMap((entry) => [entry.subjectId, Number(entry.row.user_id)]);
  const users = await findUserMappings(db, [
    ...new Set(people.filter((id): id is number => id !== undefined && Number.isSafeInteger(id))),
  ]);
  const fresh: { id: number; entry: ImportedLogEntry }[] = [];
  for (const entry of entries) {
    if (done.has(entry.id)) {
      recorder.count("admin_log", "unchanged");
      continue;
    }
    const subject = entry.subjectId === undefined ? undefined : users.get(entry.subjectId);
    const wouldImport =
      context.isDryRun &&
      entry.subjectId !== undefined &&
      subject === undefined &&
      !context.skippedUsers.has(entry.subjectId);
    if (!wouldImport && (subject === undefined || !subject.isPresent)) {
      recorder.skip("admin_log", entry.id, "the user it is about was not imported");
      continue;
    }
    const actor = users.get(Number(entry.row.user_id));
    fresh.push({
      id: entry.id,
      entry: {
        actionTime: entry.row.action_time as Date,
        userId: actor?.isPresent === true ? actor.ourId : null,
        contentType: entry.contentType,
        objectId: String(subject?.ourId ?? 0),
        objectRepr: textOf(entry.row.object_repr),
        actionFlag: Number(entry.row.action_flag),
        changeMessage: changeMessageText(textOf(entry.row.change_message)),
      },
    });
  }
  recorder.count("admin_log", "inserted", fresh.length);
  if (context.isDryRun || fresh.length === 0) return;
  await insertLogEntries(
    db,
    fresh.map((item) => item.entry),
  );
  // Entries never change in Django: the map only says which were imported.
  await insertMappings(
    db,
    "admin_log",
    fresh.map((item) => ({ djangoId: item.id, ourId: 0, layout: 0, digests: "" })),
  );
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}
