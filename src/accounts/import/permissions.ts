// Django permissions onto ours, by app label and codename. Ours are those of the admin's models
// (staff/access.ts ADMIN_MODELS): the user model's (whatever its app and name, `add_customuser`
// becomes `accounts.add_user`), graphql_auth's user status, django-graphql-jwt's refresh token
// and auth's group. Any other permission (another app's, a custom codename) has no meaning here:
// its grants are counted and reported, not imported.
import type { Db } from "../../db/database.js";
import { listPermissions } from "../staff/groups-store.js";
import type { DjangoTables } from "./django-model.js";
import type { DjangoSource } from "./django-source-store.js";

export interface PermissionMapping {
  /** Our permission id for a Django permission id, or undefined when it has none. */
  ourId(djangoId: number): number | undefined;
  /** `app_label.codename` of a Django permission, for the report. */
  nameOf(djangoId: number): string;
}

const SAME_NAMED = new Map([
  ["graphql_auth.userstatus", "accounts.userstatus"],
  ["refresh_token.refreshtoken", "refresh_token.refreshtoken"],
  ["auth.group", "auth.group"],
]);

const PAGE = 1000;

export async function mapPermissions(
  db: Db,
  source: DjangoSource,
  tables: DjangoTables,
): Promise<PermissionMapping> {
  const ours = new Map(
    (await listPermissions(db)).map((p) => [`${p.contentType}.${p.codename}`, p.id]),
  );
  const contentTypes = new Map(tables.contentTypes.map((ct) => [ct.id, ct]));
  const mapped = new Map<number, number>();
  const names = new Map<number, string>();
  if (tables.permissionTable === undefined) return mappingOf(mapped, names);
  for (let afterId = 0; ;) {
    const rows = await source.readAfter(tables.permissionTable, afterId, PAGE);
    const last = rows.at(-1);
    if (last === undefined) break;
    for (const row of rows) {
      const id = Number(row.id);
      const codename = String(row.codename);
      const ct = contentTypes.get(Number(row.content_type_id));
      const app = ct === undefined ? "?" : `${ct.appLabel}.${ct.model}`;
      names.set(id, `${ct?.appLabel ?? "?"}.${codename}`);
      const key = ourKey(app, codename, ct?.id === tables.userModel.contentTypeId);
      const ourId = key === undefined ? undefined : ours.get(key);
      if (ourId !== undefined) mapped.set(id, ourId);
    }
    afterId = Number(last.id);
  }
  return mappingOf(mapped, names);
}

function ourKey(contentType: string, codename: string, isUserModel: boolean): string | undefined {
  if (isUserModel) {
    const model = contentType.split(".")[1] ?? "";
    const match = /^(add|change|delete|view)_(.+)$/.exec(codename);
    return match?.[2] === model ? `accounts.user.${match[1] ?? ""}_user` : undefined;
  }
  const ours = SAME_NAMED.get(contentType);
  return ours === undefined ? undefined : `${ours}.${codename}`;
}

function mappingOf(mapped: Map<number, number>, names: Map<number, string>): PermissionMapping {
  return {
    ourId: (djangoId) => mapped.get(djangoId),
    nameOf: (djangoId) => names.get(djangoId) ?? `permission #${String(djangoId)}`,
  };
}
