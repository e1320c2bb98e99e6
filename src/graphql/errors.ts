// The one mapping from domain outcomes to GraphQL answers (SPEC §5.0, §6): AccountsErrors become
// `success: false` payloads, the few documented top-level errors stay as they are, and anything
// else is masked as "Internal server error" (logged with the request id).
import { GraphQLError } from "graphql";
import { AccountsError, type ErrorMap } from "../accounts/errors.js";

/** A top-level GraphQL error whose message SPEC §6.4 lets clients see. */
export class PublicGraphQLError extends GraphQLError {
  constructor(message: string) {
    super(message);
    this.name = "PublicGraphQLError";
  }
}

export const INTERNAL_ERROR_MESSAGE = "Internal server error";
/** Answered with a 503 while the database cannot be reached; the same request may be retried. */
export const UNAVAILABLE_MESSAGE =
  "Service unavailable: the database cannot be reached. Try again.";

export type PayloadValue = { success: boolean; errors: ErrorMap | null } & Record<string, unknown>;

/**
 * Runs a mutation and shapes its answer: every output field not set by a success is null,
 * except `unarchiving`, which the reference answers false.
 */
export async function asPayload(
  outputFields: readonly string[],
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- outputs-less mutations just await
  run: () => Promise<Record<string, unknown> | undefined | void>,
): Promise<PayloadValue> {
  const empty = Object.fromEntries(
    outputFields.map((field) => [field, field === "unarchiving" ? false : null]),
  );
  try {
    const result = (await run()) ?? {};
    return { ...empty, ...result, success: true, errors: null };
  } catch (error) {
    if (error instanceof AccountsError) return { ...empty, success: false, errors: error.errors };
    throw error;
  }
}

/** Whether an error reaching the response may show its own message. */
export function isPublicError(error: GraphQLError): boolean {
  const original = error.originalError;
  if (original === undefined) return true;
  if (original instanceof PublicGraphQLError) return true;
  // Errors GraphQL itself raises while coercing values (e.g. a bad ID literal).
  return original instanceof GraphQLError && !(original instanceof AccountsError);
}
