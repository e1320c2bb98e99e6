// Django's natural key: the value of USERNAME_FIELD (username by default). Access tokens carry it
// under a claim named after the field, as django-graphql-jwt's payload does; action links, the
// admin login and the CLI find users by it.
import type { Config } from "../config/config.js";
import type { Deps } from "../deps.js";
import { declaredField, fieldValue } from "./fields/user-fields.js";
import type { User } from "./types.js";
import { findUserByDeclaredColumn, findUserByEmail, findUserByUsername } from "./users-store.js";

export function naturalKeyOf(config: Config, user: User): string {
  const field = config.accounts.usernameField;
  if (field === "username") return user.username;
  if (field === "email") return user.email;
  const declared = declaredField(config, field);
  const value = declared === undefined ? undefined : fieldValue(declared, user);
  return typeof value === "string" ? value : "";
}

export async function findUserByNaturalKey(
  deps: Pick<Deps, "config" | "db">,
  value: string,
): Promise<User | undefined> {
  const field = deps.config.accounts.usernameField;
  if (field === "username") return findUserByUsername(deps.db, value);
  if (field === "email") return value === "" ? undefined : findUserByEmail(deps.db, value);
  return findUserByDeclaredColumn(deps.db, field, value);
}
