// UserNode (SPEC §4) with its relay global id, and the Node interface it implements.
import type { Config } from "../../config/config.js";
import { fieldValue } from "../../accounts/fields/user-fields.js";
import { passkeysOf } from "../../accounts/passkeys/passkeys.js";
import { twoFactorEnabledFor } from "../../accounts/second-factor/status.js";
import { passkeyNodeRef } from "./passkey.js";
import type { User } from "../../accounts/types.js";
import type { Builder } from "../builder.js";
import { camelCase } from "../names.js";
import {
  choiceOf,
  defineChoiceEnum,
  isNullableOnNode,
  scalarOf,
  useScalar,
} from "./user-fields.js";

export const USER_NODE = "UserNode";

export function toGlobalId(typeName: string, id: number | string): string {
  return Buffer.from(`${typeName}:${String(id)}`, "utf8").toString("base64");
}

/** Decodes a relay global id; undefined when it is not base64 of `Type:id`. */
export function fromGlobalId(globalId: string): { typeName: string; id: string } | undefined {
  if (!/^[A-Za-z0-9+/=_-]*$/.test(globalId)) return undefined;
  const text = Buffer.from(globalId, "base64").toString("utf8");
  const separator = text.indexOf(":");
  if (separator < 0 || text.includes("\uFFFD")) return undefined;
  return { typeName: text.slice(0, separator), id: text.slice(separator + 1) };
}

type UserField = {
  model: string;
  name: string;
  type: "String" | "Boolean" | "Int" | "DateTime";
  nullable: boolean;
  value: (user: User) => unknown;
};

// In the reference's order, so the printed schema reads like the original.
const USER_FIELDS: UserField[] = [
  {
    model: "last_login",
    name: "lastLogin",
    type: "DateTime",
    nullable: true,
    value: (u) => u.lastLogin,
  },
  {
    model: "is_superuser",
    name: "isSuperuser",
    type: "Boolean",
    nullable: false,
    value: (u) => u.isSuperuser,
  },
  {
    model: "username",
    name: "username",
    type: "String",
    nullable: false,
    value: (u) => u.username,
  },
  {
    model: "first_name",
    name: "firstName",
    type: "String",
    nullable: false,
    value: (u) => u.firstName,
  },
  {
    model: "last_name",
    name: "lastName",
    type: "String",
    nullable: false,
    value: (u) => u.lastName,
  },
  { model: "is_staff", name: "isStaff", type: "Boolean", nullable: false, value: (u) => u.isStaff },
  {
    model: "is_active",
    name: "isActive",
    type: "Boolean",
    nullable: false,
    value: (u) => u.isActive,
  },
  {
    model: "date_joined",
    name: "dateJoined",
    type: "DateTime",
    nullable: false,
    value: (u) => u.dateJoined,
  },
  { model: "email", name: "email", type: "String", nullable: false, value: (u) => u.email },
  { model: "pk", name: "pk", type: "Int", nullable: true, value: (u) => u.id },
  {
    model: "archived",
    name: "archived",
    type: "Boolean",
    nullable: true,
    value: (u) => u.status.archived,
  },
  {
    model: "verified",
    name: "verified",
    type: "Boolean",
    nullable: true,
    value: (u) => u.status.verified,
  },
  {
    model: "secondary_email",
    name: "secondaryEmail",
    type: "String",
    nullable: true,
    value: (u) => u.status.secondaryEmail,
  },
];

export function defineUserNode(builder: Builder, config: Config) {
  const nodeInterface = builder.interfaceRef<{ id: number }>("Node").implement({
    fields: (t) => ({ id: t.id({ nullable: false, resolve: () => "" }) }),
  });
  const excluded = new Set(config.accounts.userNodeExcludeFields);
  // Declared fields (USER_FIELDS) follow the built-in ones, each as graphene-django converts it.
  const declared = config.accounts.userFields
    .filter((field) => !excluded.has(field.name))
    .map((field) => ({
      field,
      isChoice: field.choices !== undefined,
      type:
        field.choices === undefined
          ? useScalar(builder, scalarOf(field.type))
          : defineChoiceEnum(builder, field),
    }));
  return builder.objectRef<User>(USER_NODE).implement({
    interfaces: [nodeInterface],
    isTypeOf: (value) => typeof value === "object" && value !== null && "passwordHash" in value,
    fields: (t) => ({
      id: t.id({ nullable: false, resolve: (user) => toGlobalId(USER_NODE, user.id) }),
      ...Object.fromEntries(
        USER_FIELDS.filter((field) => !excluded.has(field.model)).map((field) => [
          field.name,
          t.field({
            type: field.type,
            nullable: field.nullable,
            resolve: (user) => field.value(user) as never,
          }),
        ]),
      ),
      ...Object.fromEntries(
        declared.map(({ field, isChoice, type }) => [
          camelCase(field.name),
          t.field({
            type: type as "String",
            nullable: isNullableOnNode(field),
            ...(field.helpText === "" ? {} : { description: field.helpText }),
            resolve: (user) => {
              const value = fieldValue(field, user);
              return (isChoice ? choiceOf(field, value) : value) as never;
            },
          }),
        ]),
      ),
      // Ours (issue 16): null unless the caller is this user or staff.
      twoFactorEnabled: t.field({
        type: "Boolean",
        nullable: true,
        description: "Whether the user's second factor (TOTP) is on; only for the user and staff.",
        resolve: (user, _args, ctx) => twoFactorEnabledFor(ctx.deps, ctx.viewer, user),
      }),
      // Ours (issue 18): the user's own passkeys; null for anyone else.
      ...(config.passkeys === undefined
        ? {}
        : {
            passkeys: t.field({
              type: [passkeyNodeRef(builder)],
              nullable: true,
              description: "The user's passkeys, oldest first; only for the user.",
              resolve: (user, _args, ctx) => passkeysOf(ctx.deps, ctx.viewer, user),
            }),
          }),
    }),
  });
}

export type UserNodeRef = ReturnType<typeof defineUserNode>;
