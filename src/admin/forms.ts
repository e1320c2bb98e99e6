// Reading a posted HTML form the way Django's QueryDict and widgets do, and telling the form's
// field errors from a refusal. A repeated name arrives as an array (@fastify/formbody).
import type { FastifyRequest } from "fastify";
import { AccountsError, type ErrorMap } from "../accounts/errors.js";

export type FormBody = Record<string, unknown>;

export function formBody(request: FastifyRequest): FormBody {
  return (request.body ?? {}) as FormBody;
}

/** Every value of a repeated field (checkboxes, multi-selects, `_selected_action`). */
export function formList(body: FormBody, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === "string");
}

/** A single-valued field; when a name is repeated the last value wins, as in Django. */
export function formText(body: FormBody, name: string): string {
  return formList(body, name).at(-1) ?? "";
}

/**
 * A checkbox or submit button: ticked when a value was sent. Browsers send nothing for an unticked
 * box, so a missing field, "" and (as Django's CheckboxInput reads it) "false" are unticked.
 */
export function isChecked(body: FormBody, name: string): boolean {
  const value = formText(body, name);
  return value !== "" && value.toLowerCase() !== "false";
}

/** The outcome of a form submission: its value, or the field errors to show with the form. */
export async function attempt<T>(
  work: () => Promise<T>,
): Promise<{ value: T } | { errors: ErrorMap }> {
  try {
    return { value: await work() };
  } catch (error) {
    // Refusals go on to the 403 page; only form errors are shown with the form.
    if (!(error instanceof AccountsError) || error.hasCode("permission_denied")) throw error;
    return { errors: error.errors };
  }
}
