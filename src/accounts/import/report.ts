// What an import did, table by table, and everything it left out with the reason, for the
// summary the CLI prints. Skips are grouped by reason; each group keeps the first ids.

export const IMPORT_PHASES = ["groups", "users", "refresh_tokens", "admin_log"] as const;
export type ImportPhase = (typeof IMPORT_PHASES)[number];

export const IMPORT_TABLES = [
  "groups",
  "group_permissions",
  "users",
  "user_status",
  "user_groups",
  "user_permissions",
  "refresh_tokens",
  "admin_log",
] as const;
export type ImportTable = (typeof IMPORT_TABLES)[number];

export interface TableCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export interface SkipGroup {
  table: ImportTable;
  reason: string;
  count: number;
  /** The first Django ids skipped for this reason. */
  djangoIds: number[];
}

/** One address or name that several Django rows shared, and what each became here. */
export interface DuplicateGroup {
  field: "email" | "username" | "secondary_email";
  value: string;
  /** The Django user that keeps it (null when a Gatehouse user already held it). */
  keptBy: number | null;
  heldByGatehouseUser?: number;
  /** The other Django users, and what they were imported with instead. */
  others: { djangoId: number; was: string; now: string }[];
}

export interface ImportReport {
  dryRun: boolean;
  source: string;
  userModel: string;
  resumedFrom?: { phase: string; afterId: number };
  tables: Record<ImportTable, TableCounts>;
  skips: SkipGroup[];
  duplicates: DuplicateGroup[];
  unknownPermissions: { permission: string; grants: number }[];
  /** Users imported with an unusable password, by the Django hasher Gatehouse cannot check. */
  unusableHashes: Record<string, number>;
  notes: string[];
  rowsRead: number;
  elapsedMs: number;
}

export interface ImportProgress {
  phase: ImportPhase;
  done: number;
  total: number;
  elapsedMs: number;
}

const IDS_KEPT_PER_REASON = 20;

export class ImportRecorder {
  readonly report: ImportReport;
  readonly #skips = new Map<string, SkipGroup>();
  readonly #unknownPermissions = new Map<string, number>();
  readonly #duplicates = new Map<string, DuplicateGroup>();

  constructor(header: { dryRun: boolean; source: string; userModel: string }) {
    const tables = Object.fromEntries(
      IMPORT_TABLES.map((table) => [table, { inserted: 0, updated: 0, unchanged: 0, skipped: 0 }]),
    ) as Record<ImportTable, TableCounts>;
    this.report = {
      ...header,
      tables,
      skips: [],
      duplicates: [],
      unknownPermissions: [],
      unusableHashes: {},
      notes: [],
      rowsRead: 0,
      elapsedMs: 0,
    };
  }

  count(table: ImportTable, outcome: Exclude<keyof TableCounts, "skipped">, n = 1): void {
    this.report.tables[table][outcome] += n;
  }

  skip(table: ImportTable, djangoId: number, reason: string): void {
    this.report.tables[table].skipped += 1;
    const key = `${table}\n${reason}`;
    let group = this.#skips.get(key);
    if (group === undefined) {
      group = { table, reason, count: 0, djangoIds: [] };
      this.#skips.set(key, group);
      this.report.skips.push(group);
    }
    group.count += 1;
    if (group.djangoIds.length < IDS_KEPT_PER_REASON) group.djangoIds.push(djangoId);
  }

  /** One Django user imported without the address or name another row keeps. */
  duplicate(
    entry: Omit<DuplicateGroup, "others"> & { other: DuplicateGroup["others"][number] },
  ): void {
    const { other, ...group } = entry;
    const key = `${group.field}\n${group.value.toLowerCase()}`;
    let found = this.#duplicates.get(key);
    if (found === undefined) {
      found = { ...group, others: [] };
      this.#duplicates.set(key, found);
      this.report.duplicates.push(found);
    }
    found.others.push(other);
  }

  unknownPermission(permission: string, grants = 1): void {
    this.#unknownPermissions.set(
      permission,
      (this.#unknownPermissions.get(permission) ?? 0) + grants,
    );
    this.report.unknownPermissions = [...this.#unknownPermissions]
      .map(([name, count]) => ({ permission: name, grants: count }))
      .sort((a, b) => a.permission.localeCompare(b.permission));
  }

  unusableHash(algorithm: string): void {
    this.report.unusableHashes[algorithm] = (this.report.unusableHashes[algorithm] ?? 0) + 1;
  }

  note(text: string): void {
    if (!this.report.notes.includes(text)) this.report.notes.push(text);
  }
}
