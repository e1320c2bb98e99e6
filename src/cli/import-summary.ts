// The summary `gatehouse import-django` prints: counts per table, everything left out and why,
// the duplicates and what became of them.
import { IMPORT_TABLES, type ImportReport } from "../accounts/import/report.js";

const number = (value: number) => value.toLocaleString("en-US");

function table(report: ImportReport): string[] {
  const header = ["table", "inserted", "updated", "unchanged", "skipped"];
  const rows = IMPORT_TABLES.map((name) => {
    const counts = report.tables[name];
    return [name, counts.inserted, counts.updated, counts.unchanged, counts.skipped].map((v) =>
      typeof v === "number" ? number(v) : v,
    );
  });
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((row) => (row[i] ?? "").length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line)];
}

function duplicateLines(report: ImportReport): string[] {
  return report.duplicates.map((group) => {
    const keeper =
      group.heldByGatehouseUser !== undefined
        ? `held here by Gatehouse user ${String(group.heldByGatehouseUser)}`
        : group.keptBy === null
          ? "a primary address keeps it"
          : `kept by Django user ${String(group.keptBy)}`;
    const others = group.others
      .map((other) =>
        other.now === ""
          ? `Django user ${String(other.djangoId)} (${other.was}) imported without it`
          : `Django user ${String(other.djangoId)} (${other.was}) renamed ${other.now}`,
      )
      .join("; ");
    return `  ${group.field} ${group.value}: ${keeper}; ${others}`;
  });
}

export function importSummary(report: ImportReport): string[] {
  const seconds = report.elapsedMs / 1000;
  const perSecond = seconds > 0 ? Math.round(report.rowsRead / seconds) : report.rowsRead;
  const lines = [
    report.dryRun ? "Dry run: nothing was written. An import would do this:" : "Import finished.",
    `From ${report.source} (user model ${report.userModel}): ${number(report.rowsRead)} rows read in ${seconds.toFixed(1)} s (${number(perSecond)} rows/s).`,
  ];
  if (report.resumedFrom !== undefined)
    lines.push(
      `Continued an interrupted import: ${report.resumedFrom.phase} after Django id ${String(report.resumedFrom.afterId)}.`,
    );
  lines.push("", ...table(report));
  if (report.skips.length > 0) {
    lines.push("", "Skipped:");
    for (const skip of report.skips) {
      const more = skip.count > skip.djangoIds.length ? ", …" : "";
      lines.push(
        `  ${skip.table} (${number(skip.count)}): ${skip.reason} (Django ids ${skip.djangoIds.join(", ")}${more})`,
      );
    }
  }
  if (report.duplicates.length > 0)
    lines.push("", "Duplicates (case-insensitive; never merged):", ...duplicateLines(report));
  if (report.unknownPermissions.length > 0) {
    lines.push("", "Permissions with no Gatehouse equivalent (their grants were not imported):");
    for (const { permission, grants } of report.unknownPermissions)
      lines.push(`  ${permission}: ${number(grants)} grants`);
  }
  const unusable = Object.entries(report.unusableHashes);
  if (unusable.length > 0)
    lines.push(
      "",
      `Imported with an unusable password (--unusable-unknown-hashes): ${unusable
        .map(([algorithm, count]) => `${number(count)} ${algorithm}`)
        .join(", ")}; they sign in again after a password reset.`,
    );
  if (report.notes.length > 0) lines.push("", "Notes:", ...report.notes.map((note) => `  ${note}`));
  return lines;
}
