import type { Config } from "../../config/config.js";
import {
  updateAccount,
  UPDATABLE_FIELDS,
  type UpdatableField,
} from "../../accounts/account-settings.js";
import type { ArgumentSpec, MutationSpec } from "../mutation.js";
import { camelCase } from "../names.js";

export function updateAccountMutation(config: Config): MutationSpec {
  const args: Record<string, ArgumentSpec> = {};
  for (const [field, type] of Object.entries(config.accounts.updateMutationFields)) {
    args[camelCase(field)] = { type, required: false };
  }
  const argumentNames = Object.fromEntries(
    UPDATABLE_FIELDS.map((field) => [field, camelCase(field)]),
  ) as Record<UpdatableField, string>;
  return {
    field: "updateAccount",
    typeName: "UpdateAccount",
    description: "Update the caller's account; only the arguments given change.",
    args,
    outputs: { success: "Boolean", errors: "ExpectedErrorType" },
    async run(values, ctx) {
      const fields = Object.fromEntries(
        UPDATABLE_FIELDS.filter((field) => camelCase(field) in args).map((field) => [
          field,
          values[camelCase(field)] as string | null | undefined,
        ]),
      );
      // Absent arguments leave their field alone; for a declared field an explicit null empties it.
      const declared = ctx.deps.config.accounts.userFields
        .filter(
          (field) => camelCase(field.name) in args && values[camelCase(field.name)] !== undefined,
        )
        .map((field) => ({
          name: field.name,
          raw: values[camelCase(field.name)],
          argument: camelCase(field.name),
        }));
      await updateAccount(ctx.deps, ctx.viewer, { fields, argumentNames, declared }, ctx.origin);
    },
  };
}
