// Field validation and normalisation as Django 3.2's forms do it (SPEC §2.2, §6.3): each check
// returns the errors of one field, in the order Django reports them.
import { domainToASCII, domainToUnicode } from "node:url";
import unhomoglyph from "unhomoglyph";
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

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The UTS #39 skeleton of a username (https://www.unicode.org/reports/tr39/#Confusable_Detection):
 * NFD, default-ignorables removed, each character replaced by its confusables.txt prototype (the
 * unhomoglyph package's table), NFD again. Taken of the case-folded NFKC name, because names are
 * unique ignoring case: "Аlice" (Cyrillic А) is a look-alike of "alice" too.
 */
export function usernameSkeleton(username: string): string {
  const folded = foldCase(username.normalize("NFKC")).normalize("NFD");
  return unhomoglyph(folded.replace(DEFAULT_IGNORABLE, "")).normalize("NFD");
}

/**
 * Whether two usernames are confusable: equal skeletons, unless both are ASCII. The ASCII
 * look-alikes of confusables.txt ("rn" and "m", "l" and "1") are names Django accepts side by side
 * and that clients already hold, and they are no Unicode trick; the rule is for the other scripts.
 */
export function areLookAlikeUsernames(a: string, b: string): boolean {
  if (ASCII.test(a) && ASCII.test(b)) return false;
  return usernameSkeleton(a) === usernameSkeleton(b);
}

// Characters that show as nothing or reorder text: controls, format characters (U+200B, U+FEFF,
// bidi controls), line and paragraph separators, and whatever else Unicode says may be invisible.
// Transports and IDNA drop several of them silently, so an address holding one would be delivered
// to the address without it (https://www.unicode.org/reports/tr46/#IDNA_Mapping_Table).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
// eslint-disable-next-line no-control-regex -- the whole ASCII range, controls included
const ASCII = /^[\x00-\x7f]*$/;
/** Past this a domain fails the length check whatever it maps to, so mapping it is wasted time. */
const MAX_MAPPED_DOMAIN_LENGTH = 4 * EMAIL_MAX_LENGTH;

function canonicalDomain(domain: string): string {
  // ASCII domains stay as Django stores them (lower-cased), so ordinary addresses are unchanged.
  if (ASCII.test(domain)) return domain.toLowerCase();
  // A domain with an invisible character, or one IDNA refuses, is left as typed for isValidEmail
  // to refuse: never repaired, and the same however often it is normalised.
  if (INVISIBLE.test(domain) || charCount(domain) > MAX_MAPPED_DOMAIN_LENGTH) return domain;
  // UTS #46 mapping and Punycode (https://www.unicode.org/reports/tr46/): fullwidth and styled
  // letters become ASCII, case folds, and the result is the form SMTP carries (RFC 5890 A-labels).
  const ascii = domainToASCII(domain);
  return ascii === "" ? domain : ascii;
}

/**
 * The one form of an address that is validated, stored, compared, rate-limited and mailed: trimmed,
 * the domain as IDNA A-labels (lower-cased ASCII for an ASCII domain, as Django's normalize_email
 * does), the local part as typed. What the mail transport delivers is then exactly what is stored;
 * an address it would rewrite (invisible characters, quoted local parts) fails isValidEmail.
 */
export function canonicalEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf("@");
  if (at < 0) return email;
  return email.slice(0, at) + "@" + canonicalDomain(email.slice(at + 1));
}

/** Every form field and argument holding an address goes through the canonical form. */
export function normalizeEmail(raw: string): string {
  return canonicalEmail(raw);
}

/**
 * The `*_key` values an address may be stored under: its folded canonical form and, for an IDN,
 * the folded Unicode form that rows written before addresses were canonical hold.
 */
export function emailKeys(raw: string): string[] {
  const email = canonicalEmail(raw);
  const keys = [foldCase(email)];
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  if (at < 0 || !/(?:^|\.)xn--/i.test(domain)) return keys;
  const unicode = domainToUnicode(domain);
  if (unicode !== "" && unicode !== domain) keys.push(foldCase(email.slice(0, at) + "@" + unicode));
  return keys;
}

// Django's dot-atom local part. Its quoted-string form is refused: nodemailer rewrites it before
// SMTP, dropping the quotes and any control character inside (`"al\x0bice"@example.com` is sent
// to alice@example.com) or sending an address servers refuse (`"a b"@example.com`).
const EMAIL_USER_PATTERN = /^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$/i;
const EMAIL_DOMAIN_PATTERN = /^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z0-9-]{2,63})$/i;
const IPV4_LITERAL = /^\[(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\]$/;

function isValidEmailDomain(domain: string): boolean {
  if (domain === "localhost") return true;
  if (IPV4_LITERAL.test(domain)) return true;
  const ascii = domainToASCII(domain);
  return ascii !== "" && EMAIL_DOMAIN_PATTERN.test(ascii) && !ascii.endsWith("-");
}

/**
 * Django's EmailValidator, which the seed's model and forms use, without its quoted local parts
 * and with no invisible character anywhere (see canonicalEmail).
 */
export function isValidEmail(email: string): boolean {
  if (email === "" || INVISIBLE.test(email)) return false;
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
