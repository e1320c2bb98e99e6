// The questions of createsuperuser and changepassword, asked as Django's commands ask them: each
// answer is checked as it is typed and asked for again when wrong; a password the validators
// refuse may still be kept by createsuperuser ("Bypass password validation and create user
// anyway? [y/N]"), while changepassword gives up after three attempts.
import { userInfo } from "node:os";
import {
  newPasswordErrors,
  superuserEmailErrors,
  superuserFieldErrors,
  superuserUsernameErrors,
} from "../accounts/superuser-checks.js";
import type { ErrorDetail } from "../accounts/errors.js";
import type { PasswordUserAttributes } from "../accounts/passwords/validators.js";
import type { Deps } from "../deps.js";
import { fail } from "./fail.js";
import type { Prompter } from "./prompter.js";

type CheckDeps = Pick<Deps, "config" | "db" | "passwordPolicy">;
type Check = (answer: string) => Promise<readonly ErrorDetail[]>;

const CHANGEPASSWORD_ATTEMPTS = 3;

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** Django's wording: "Error: That username is already taken." for a taken USERNAME_FIELD. */
function problemText(label: string, problems: readonly ErrorDetail[]): string {
  if (problems.some((problem) => problem.code === "unique"))
    return `Error: That ${label.toLowerCase()} is already taken.`;
  return `Error: ${problems.map((problem) => problem.message).join("; ")}`;
}

async function askUntilValid(
  prompter: Prompter,
  label: string,
  check: Check,
  defaultAnswer?: string,
): Promise<string> {
  const hint = defaultAnswer === undefined ? "" : ` (leave blank to use '${defaultAnswer}')`;
  for (;;) {
    const typed = await prompter.ask(`${capitalized(label)}${hint}: `);
    const answer = typed === "" && defaultAnswer !== undefined ? defaultAnswer : typed;
    const problems = await check(answer);
    if (problems.length === 0) return answer;
    console.error(problemText(label, problems));
  }
}

/** Django's default: the login name of whoever runs the command, if it is a free username. */
async function defaultUsername(deps: CheckDeps): Promise<string | undefined> {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    return undefined;
  }
  const candidate = name
    .normalize("NFKD")
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/ /g, "")
    .toLowerCase();
  if (candidate === "") return undefined;
  return (await superuserUsernameErrors(deps, candidate)).length === 0 ? candidate : undefined;
}

/** Asks a password twice until both agree and are not blank. */
async function askPasswordTwice(prompter: Prompter): Promise<string> {
  for (;;) {
    const password = await prompter.ask("Password: ", { hidden: true });
    const again = await prompter.ask("Password (again): ", { hidden: true });
    if (password !== again) console.error("Error: Your passwords didn't match.");
    else if (password.trim() === "") console.error("Error: Blank passwords aren't allowed.");
    else return password;
  }
}

export interface SuperuserAnswers {
  /** The value of USERNAME_FIELD. */
  key: string;
  /** Undefined when USERNAME_FIELD is email (the key is the address). */
  email: string | undefined;
  password: string;
  skipPasswordValidation: boolean;
}

export async function askSuperuser(
  deps: CheckDeps,
  prompter: Prompter,
  label: string,
): Promise<SuperuserAnswers> {
  const field = deps.config.accounts.usernameField;
  const keyCheck: Check =
    field === "username"
      ? (answer) => superuserUsernameErrors(deps, answer)
      : field === "email"
        ? (answer) => superuserEmailErrors(deps, answer)
        : (answer) => superuserFieldErrors(deps, field, answer);
  const key = await askUntilValid(
    prompter,
    label,
    keyCheck,
    field === "username" ? await defaultUsername(deps) : undefined,
  );
  const email =
    field === "email"
      ? undefined
      : await askUntilValid(prompter, "Email address", (answer) =>
          superuserEmailErrors(deps, answer),
        );
  const attributes = { username: field === "username" ? key : "", email: email ?? key };
  for (;;) {
    const password = await askPasswordTwice(prompter);
    const problems = newPasswordErrors(deps, password, attributes);
    if (problems.length === 0) return { key, email, password, skipPasswordValidation: false };
    console.error(problems.map((problem) => problem.message).join("\n"));
    const bypass = await prompter.ask("Bypass password validation and create user anyway? [y/N]: ");
    if (bypass.trim().toLowerCase() === "y")
      return { key, email, password, skipPasswordValidation: true };
  }
}

/** changepassword's questions: at most three attempts, as Django's changepassword allows. */
export async function askNewPassword(
  deps: Pick<Deps, "passwordPolicy">,
  prompter: Prompter,
  user: { naturalKey: string; attributes: PasswordUserAttributes },
): Promise<string> {
  for (let attempt = 1; attempt <= CHANGEPASSWORD_ATTEMPTS; attempt += 1) {
    const password = await prompter.ask("Password: ", { hidden: true });
    const again = await prompter.ask("Password (again): ", { hidden: true });
    if (password !== again) {
      console.error("Error: Your passwords didn't match.");
      continue;
    }
    const problems = newPasswordErrors(deps, again, user.attributes);
    if (problems.length === 0) return again;
    console.error(problems.map((problem) => problem.message).join("\n"));
  }
  fail(
    `Error: Aborting password change for user '${user.naturalKey}' after ${CHANGEPASSWORD_ATTEMPTS} attempts`,
  );
}
