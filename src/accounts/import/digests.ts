// What a Django row held when it was imported, kept as one short digest per column
// (django_import_map.digests), so a later run sees which columns changed in Django since and
// imports only those: a password changed in Django arrives, a name changed here since the switch
// is not overwritten by an unchanged Django row. The digest only tells values apart (the Django
// side is the operator's own database, not an adversary), so a fast 53-bit hash suffices.

// 2^53 takes up to 11 base-36 digits.
const DIGEST_LENGTH = 11;

/** cyrb53 (public domain): a fast, well-mixed 53-bit string hash. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function stableText(value: unknown): string {
  if (value instanceof Date) return `d:${value.toISOString()}`;
  if (value === undefined) return "u";
  return JSON.stringify(value);
}

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * `n.toString(36).padStart(DIGEST_LENGTH, "0")` for an integer below 2^53, the form digests were
 * recorded in: V8's own conversion of such a double took 1.2–1.8 µs, this one 0.4 µs, and an
 * import makes one per column of every user (fifteen and more).
 */
function base36(n: number): string {
  let text = "";
  let rest = n;
  for (let i = 0; i < DIGEST_LENGTH; i++) {
    text = (BASE36[rest % 36] ?? "") + text;
    rest = Math.floor(rest / 36);
  }
  return text;
}

export function digestValue(value: unknown): string {
  return base36(hash53(stableText(value)));
}

/** The digests of `values`, in the order of `layout`, as one string. */
export function digestRow(layout: readonly string[], values: Record<string, unknown>): string {
  return digestColumns(layout, (column) => values[column]);
}

export function digestColumns(layout: readonly string[], valueOf: (column: string) => unknown) {
  let digests = "";
  for (const column of layout) digests += digestValue(valueOf(column));
  return digests;
}

/**
 * The columns of `current` whose value differs from the one recorded under `recordedLayout`
 * (a column the recorded layout lacks counts as changed).
 */
export function changedColumns(
  current: { layout: readonly string[]; digests: string },
  recorded: { layout: readonly string[]; digests: string },
): Set<string> {
  const before = new Map<string, string>();
  recorded.layout.forEach((column, index) => {
    before.set(column, recorded.digests.slice(index * DIGEST_LENGTH, (index + 1) * DIGEST_LENGTH));
  });
  const changed = new Set<string>();
  current.layout.forEach((column, index) => {
    const now = current.digests.slice(index * DIGEST_LENGTH, (index + 1) * DIGEST_LENGTH);
    if (before.get(column) !== now) changed.add(column);
  });
  return changed;
}
