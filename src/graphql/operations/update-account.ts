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
      await updateAccount(ctx.deps, ctx.viewer, { fields, argumentNames }, ctx.origin);
    },
  };
}
