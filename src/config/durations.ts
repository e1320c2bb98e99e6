// Durations in settings are either whole seconds ("300") or a number with a unit ("5m", "7d"),
// as SPEC §11 allows.
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function parseDurationSeconds(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  return unit === "" ? amount : amount * (UNIT_SECONDS[unit] ?? 1);
}
