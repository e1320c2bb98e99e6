// Field validation and normalisation as Django 3.2's forms do it (SPEC §2.2, §6.3): each check
// returns the errors of one field, in the order Django reports them.
import { domainToASCII } from "node:url";
import { MESSAGES, type ErrorDetail, type FieldErrors } from "./errors.js";

const USERNAME_MAX_LENGTH = 150;
const NAME_MAX_LENGTH = 150;
const EMAIL_MAX_LENGTH = 255;
/** The stand-alone email arguments (resend, reset, secondary) allow one less, as in the reference. */
export const EMAIL_ARGUMENT_MAX_LENGTH = 254;

const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;

/** Length in characters (code points), as Python counts it for the max-length messages. */
export function charCount(value: string): number {
  return Array.from(value).length;
}

/**
 * The case-folded key behind case-insensitive uniqueness and lookups of usernames and emails
 * (SPEC §2.2): the `*_key` columns hold it, and every comparison goes through it.
 */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

export function normalizeUsername(raw: string): string {
  const trimmed = raw.trim();
  // Normalising a huge string costs time for nothing: it will fail the length check anyway.
  return charCount(trimmed) > USERNAME_MAX_LENGTH ? trimmed : trimmed.normalize("NFKC");
}

/** Errors of a normalised username, before the uniqueness check. */
export function usernameErrors(username: string): ErrorDetail[] {
  if (username === "") return [MESSAGES.required()];
  const length = charCount(username);
  if (length > USERNAME_MAX_LENGTH) return [MESSAGES.maxLength(USERNAME_MAX_LENGTH, length)];
  return USERNAME_PATTERN.test(username) ? [] : [MESSAGES.invalidUsername()];
}

/** Lower-cases the domain part only, as Django's normalize_email does. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf("@");
  if (at < 0) return email;
  return email.slice(0, at) + "@" + email.slice(at + 1).toLowerCase();
}

// Django's dot-atom or quoted-string local part; the control characters are part of RFC 5322.
const EMAIL_USER_PATTERN =
  // eslint-disable-next-line no-control-regex -- the quoted-string grammar names them
  /^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$/i;
const EMAIL_DOMAIN_PATTERN = /^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z0-9-]{2,63})$/i;
const IPV4_LITERAL = /^\[(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\]$/;

function isValidEmailDomain(domain: string): boolean {
  if (domain === "localhost") return true;
  if (IPV4_LITERAL.test(domain)) return true;
  const ascii = domainToASCII(domain);
  return ascii !== "" && EMAIL_DOMAIN_PATTERN.test(ascii) && !ascii.endsWith("-");
}

/** Django's EmailValidator, which the seed's model and forms use. */
export function isValidEmail(email: string): boolean {
  if (email === "" || /[\r\n]/.test(email)) return false;
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return false;
  return EMAIL_USER_PATTERN.test(email.slice(0, at)) && isValidEmailDomain(email.slice(at + 1));
}

/** Errors of a normalised email field: validators run together, as Django's form field does. */
export function emailErrors(email: string, maxLength = EMAIL_MAX_LENGTH): ErrorDetail[] {
  if (email === "") return [MESSAGES.required()];
  const errors: ErrorDetail[] = [];
  if (!isValidEmail(email)) errors.push(MESSAGES.invalidEmail());
  const length = charCount(email);
  if (length > maxLength) errors.push(MESSAGES.maxLength(maxLength, length));
  return errors;
}

export function nameErrors(name: string): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const length = charCount(name);
  if (length > NAME_MAX_LENGTH) errors.push(MESSAGES.maxLength(NAME_MAX_LENGTH, length));
  // Django's CharField refuses NUL, which PostgreSQL text cannot store anyway.
  if (name.includes("\u0000"))
    errors.push({
      message: "Null characters are not allowed.",
      code: "null_characters_not_allowed",
    });
  return errors;
}

/** A typed username as the forms clean it: normalised, its format errors added under `field`. */
export function cleanUsername(raw: string, errors: FieldErrors, field: string): string {
  const username = normalizeUsername(raw);
  for (const detail of usernameErrors(username)) errors.add(field, detail);
  return username;
}

/** A typed email as the forms clean it: normalised, its format errors added under `field`. */
export function cleanEmail(
  raw: string,
  errors: FieldErrors,
  field: string,
  maxLength = EMAIL_MAX_LENGTH,
): string {
  const email = normalizeEmail(raw);
  for (const detail of emailErrors(email, maxLength)) errors.add(field, detail);
  return email;
}
