// The add-user form's errors where Django's admin shows them: beside each field, under its
// label, and at the top only what belongs to no field of the form.
import type { ErrorMap } from "../accounts/errors.js";

const FIELDS = {
  username: "Username",
  email: "Email address",
  password1: "Password",
  password2: "Password confirmation",
} as const;

export interface AddFormErrors {
  /** Messages by form field (username, email, password1, password2). */
  fieldErrors: Partial<Record<keyof typeof FIELDS, string[]>>;
  /** Errors of no field of the form: non-field errors, or a field named by its label. */
  otherErrors: string[];
}

function isFormField(key: string): key is keyof typeof FIELDS {
  return Object.hasOwn(FIELDS, key);
}

export function addFormErrors(errors: ErrorMap): AddFormErrors {
  const result: AddFormErrors = { fieldErrors: {}, otherErrors: [] };
  for (const [key, details] of Object.entries(errors)) {
    const messages = details.map((detail) => detail.message);
    if (isFormField(key)) result.fieldErrors[key] = messages;
    else if (key === "nonFieldErrors") result.otherErrors.push(...messages);
    else result.otherErrors.push(...messages.map((message) => `${key}: ${message}`));
  }
  return result;
}
