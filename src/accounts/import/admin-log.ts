// Django's admin log message (LogEntry.change_message) in words, as LogEntry.get_change_message()
// renders it (django/contrib/admin/models.py, Django 3.2 / 4.2, untranslated): since Django 1.10
// the column holds JSON such as [{"changed": {"fields": ["Email address"]}}], older rows plain
// text. Our admin log holds the words it shows.

type SubMessage = Record<string, Record<string, unknown> | undefined>;

function textList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1) ?? ""}`;
}

function describe(sub: SubMessage): string | undefined {
  const added = sub.added;
  const changed = sub.changed;
  const deleted = sub.deleted;
  const name = (part: Record<string, unknown>) => String(part.name);
  const object = (part: Record<string, unknown>) => String(part.object);
  if (added !== undefined)
    return Object.keys(added).length > 0
      ? `Added ${name(added)} \u201c${object(added)}\u201d.`
      : "Added.";
  if (changed !== undefined) {
    const fieldNames = Array.isArray(changed.fields) ? changed.fields.map(String) : [];
    const fields = textList(fieldNames);
    return "name" in changed
      ? `Changed ${fields} for ${name(changed)} \u201c${object(changed)}\u201d.`
      : `Changed ${fields}.`;
  }
  if (deleted !== undefined) return `Deleted ${name(deleted)} \u201c${object(deleted)}\u201d.`;
  return undefined;
}

export function changeMessageText(stored: string): string {
  if (!stored.startsWith("[")) return stored;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return stored;
  }
  if (!Array.isArray(parsed)) return stored;
  const messages = parsed
    .filter((sub): sub is SubMessage => typeof sub === "object" && sub !== null)
    .map(describe)
    .filter((message): message is string => message !== undefined && message !== "")
    .map((message) => message.charAt(0).toUpperCase() + message.slice(1));
  return messages.length > 0 ? messages.join(" ") : "No fields changed.";
}
