import { setPassword } from "../../accounts/password-reset.js";
import type { MutationSpec } from "../mutation.js";
import { tokenPasswordMutation } from "./password-reset.js";

export function passwordSetMutation(): MutationSpec {
  return tokenPasswordMutation(
    {
      field: "passwordSet",
      typeName: "PasswordSet",
      description:
        "Set the first password of a passwordless account with the token of the password-set email.",
    },
    setPassword,
  );
}
