import type { Config } from "../../config/config.js";
import {
  registerUser,
  REGISTERABLE_FIELDS,
  type RegisterableField,
} from "../../accounts/registration.js";
import type { ArgumentSpec, MutationSpec, OutputType } from "../mutation.js";
import { camelCase } from "../names.js";

export function registerMutation(config: Config): MutationSpec {
  const accounts = config.accounts;
  const args: Record<string, ArgumentSpec> = {};
  const argumentNames = Object.fromEntries(
    REGISTERABLE_FIELDS.map((field) => [field, camelCase(field)]),
  ) as Record<RegisterableField, string>;
  for (const [field, type] of Object.entries(accounts.registerMutationFields))
    args[camelCase(field)] = { type, required: true };
  for (const [field, type] of Object.entries(accounts.registerMutationFieldsOptional))
    args[camelCase(field)] = { type, required: false };
  if (!accounts.allowPasswordlessRegistration) {
    args.password1 = { type: "String", required: true };
    args.password2 = { type: "String", required: true };
  }
  const outputs: Record<string, OutputType> = { success: "Boolean", errors: "ExpectedErrorType" };
  if (accounts.allowLoginNotVerified) {
    if (config.jwt.longRunningRefreshToken) outputs.refreshToken = "String";
    outputs.token = "String";
  }
  return {
    field: "register",
    typeName: "Register",
    description:
      "Register a user with the fields of REGISTER_MUTATION_FIELDS and two passwords, send the activation email and, when unverified logins are allowed, return tokens.",
    args,
    outputs,
    async run(values, ctx) {
      const fields = Object.fromEntries(
        REGISTERABLE_FIELDS.map((field) => [
          field,
          values[camelCase(field)] as string | null | undefined,
        ]),
      );
      const declared = ctx.deps.config.accounts.userFields
        .filter((field) => values[camelCase(field.name)] !== undefined)
        .map((field) => ({
          name: field.name,
          raw: values[camelCase(field.name)],
          argument: camelCase(field.name),
        }));
      const { session } = await registerUser(
        ctx.deps,
        {
          fields,
          argumentNames,
          declared,
          password1: values.password1 as string | undefined,
          password2: values.password2 as string | undefined,
        },
        ctx.origin,
      );
      if (session === undefined) return {};
      return {
        token: session.access.token,
        refreshToken: async () => (await session.refreshToken()).token,
      };
    },
  };
}
