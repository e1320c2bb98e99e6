// Every setting that names a model field is checked against the model: the AbstractUser columns
// and the project's USER_FIELDS. A name the model lacks would otherwise become a GraphQL argument
// whose value is dropped, or a login field that never matches; it stops the server instead.
import type { Config } from "./types.js";
import type { UserFieldDeclaration, UserFieldType } from "./user-fields.js";

type BuiltInType = UserFieldType | "AutoField";

interface ModelField {
  name: string;
  type: BuiltInType;
  unique: boolean;
}

/**
 * The AbstractUser fields the API can filter on, with the status row's under Django's `status__`
 * path (the timestamps are not filterable).
 */
const BUILT_IN: readonly ModelField[] = [
  { name: "id", type: "AutoField", unique: true },
  { name: "password", type: "CharField", unique: false },

  { name: "is_superuser", type: "BooleanField", unique: false },
  { name: "username", type: "CharField", unique: true },
  { name: "first_name", type: "CharField", unique: false },
  { name: "last_name", type: "CharField", unique: false },
  { name: "email", type: "EmailField", unique: true },
  { name: "is_staff", type: "BooleanField", unique: false },
  { name: "is_active", type: "BooleanField", unique: false },

  { name: "status__verified", type: "BooleanField", unique: false },
  { name: "status__archived", type: "BooleanField", unique: false },
  { name: "status__secondary_email", type: "EmailField", unique: true },
];

/** The built-in fields the admin's user list can show as columns (ADMIN_USER_LIST_FIELDS). */
export const ADMIN_USER_LIST_BUILT_INS = [
  "id",
  "username",
  "email",
  "first_name",
  "last_name",
  "is_staff",
  "is_superuser",
  "is_active",
  "verified",
  "archived",
  "secondary_email",
  "date_joined",
  "last_login",
] as const;

/** What register and updateAccount may set among the built-in fields. */
const REGISTERABLE = ["username", "email", "first_name", "last_name"];
const UPDATABLE = ["username", "email", "first_name", "last_name"];
/** UserNode's own fields, by model name, that USER_NODE_EXCLUDE_FIELDS may hide. */
const NODE_FIELDS = [
  "password",
  "last_login",
  "is_superuser",
  "username",
  "first_name",
  "last_name",
  "is_staff",
  "is_active",
  "date_joined",
  "email",
  "pk",
  "archived",
  "verified",
  "secondary_email",
];

const TEXT_LOOKUPS = [
  "exact",
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "endswith",
  "iendswith",
  "in",
  "isnull",
];
const ORDERED_LOOKUPS = ["exact", "lt", "lte", "gt", "gte", "in", "isnull"];

/** The lookups USER_NODE_FILTER_FIELDS may ask for on a field of `type` (Django's, as they fit). */
export function lookupsFor(type: BuiltInType): readonly string[] {
  switch (type) {
    case "CharField":
    case "TextField":
    case "EmailField":
    case "URLField":
    case "SlugField":
      return TEXT_LOOKUPS;
    case "BooleanField":
      return ["exact", "isnull"];
    case "AutoField":
    case "IntegerField":
    case "PositiveIntegerField":
    case "BigIntegerField":
    case "FloatField":
    case "DecimalField":
    case "DateField":
    case "DateTimeField":
      return ORDERED_LOOKUPS;
    case "UUIDField":
      return ["exact", "in", "isnull"];
    case "JSONField":
      return ["isnull"];
  }
}

function modelFields(declared: readonly UserFieldDeclaration[]): Map<string, ModelField> {
  return new Map(
    [...BUILT_IN, ...declared.map(({ name, type, unique }) => ({ name, type, unique }))].map(
      (field) => [field.name, field],
    ),
  );
}

function unknownNames(setting: string, names: readonly string[], allowed: ReadonlySet<string>) {
  return names
    .filter((name) => !allowed.has(name))
    .map((name) => `${setting}: the user model has no field "${name}" that it can use`);
}

export function modelFieldProblems(config: Config): string[] {
  const accounts = config.accounts;
  const declared = accounts.userFields;
  const fields = modelFields(declared);
  const declaredNames = declared.map((field) => field.name);
  const problems = [
    ...unknownNames(
      "REGISTER_MUTATION_FIELDS",
      Object.keys(accounts.registerMutationFields),
      new Set([...REGISTERABLE, ...declaredNames]),
    ),
    ...unknownNames(
      "REGISTER_MUTATION_FIELDS_OPTIONAL",
      Object.keys(accounts.registerMutationFieldsOptional),
      new Set([...REGISTERABLE, ...declaredNames]),
    ),
    ...unknownNames(
      "UPDATE_MUTATION_FIELDS",
      Object.keys(accounts.updateMutationFields),
      new Set([...UPDATABLE, ...declaredNames]),
    ),
    ...unknownNames(
      "USER_NODE_EXCLUDE_FIELDS",
      accounts.userNodeExcludeFields,
      new Set([...NODE_FIELDS, ...declaredNames]),
    ),
    ...unknownNames(
      "LOGIN_ALLOWED_FIELDS",
      accounts.loginAllowedFields,
      // A login field must name one account: Django's backend looks it up with get().
      new Set(["username", "email", ...declared.filter((f) => f.unique).map((f) => f.name)]),
    ),
  ];
  problems.push(...identityFieldProblems(config), ...similarityAttributeProblems(config));
  for (const [name, lookups] of Object.entries(accounts.userNodeFilterFields)) {
    const field = fields.get(name);
    if (field === undefined || name === "password") {
      problems.push(`USER_NODE_FILTER_FIELDS: the user model has no field "${name}" to filter on`);
      continue;
    }
    const allowed = lookupsFor(field.type);
    for (const lookup of lookups.filter((lookup) => !allowed.includes(lookup))) {
      problems.push(
        `USER_NODE_FILTER_FIELDS: "${name}" (a ${field.type}) has no lookup "${lookup}" ` +
          `(one of ${allowed.join(", ")})`,
      );
    }
  }
  problems.push(...adminUserListProblems(accounts.adminUserListFields, declared));
  return problems;
}

const TEXT_TYPES = new Set(["CharField", "EmailField", "SlugField"]);

/**
 * USERNAME_FIELD must name one account by a value people type: username, email, or a declared
 * unique, not-null text field (Django's auth.E003 asks for unique). EMAIL_FIELD is where mail
 * goes: every flow here keeps the address in `email`, so only that is accepted.
 */
function identityFieldProblems(config: Config): string[] {
  const { usernameField, emailField, userFields } = config.accounts;
  const problems: string[] = [];
  const declared = userFields.find((field) => field.name === usernameField);
  const isUsable =
    usernameField === "username" ||
    usernameField === "email" ||
    (declared !== undefined && declared.unique && !declared.null && TEXT_TYPES.has(declared.type));
  if (!isUsable)
    problems.push(
      `USERNAME_FIELD: "${usernameField}" must be username, email, or a declared unique, not-null ` +
        "CharField, EmailField or SlugField (Django auth.E003)",
    );
  if (!(usernameField in config.accounts.registerMutationFields))
    problems.push(
      `REGISTER_MUTATION_FIELDS: must include USERNAME_FIELD ("${usernameField}"), which names every account`,
    );
  if (emailField !== "email")
    problems.push(`EMAIL_FIELD: "${emailField}": accounts keep their address in email`);
  return problems;
}

/** ADMIN_USER_LIST_FIELDS: at least one column, each a field the list can show, each once. */
function adminUserListProblems(
  names: readonly string[],
  declared: readonly UserFieldDeclaration[],
): string[] {
  if (names.length === 0) return ["ADMIN_USER_LIST_FIELDS: name at least one field to show"];
  const known = new Set<string>([...ADMIN_USER_LIST_BUILT_INS, ...declared.map((f) => f.name)]);
  const problems = names
    .filter((name) => !known.has(name))
    .map((name) => `ADMIN_USER_LIST_FIELDS: the user model has no field "${name}" to show`);
  for (const name of new Set(names.filter((name, index) => names.indexOf(name) !== index)))
    problems.push(`ADMIN_USER_LIST_FIELDS: "${name}" is listed more than once`);
  return problems;
}

/** The attributes the password similarity check is given (Django's DEFAULT_USER_ATTRIBUTES). */
const SIMILARITY_ATTRIBUTES = ["username", "first_name", "last_name", "email"];

/** UserAttributeSimilarityValidator's user_attributes must be attributes it is given. */
function similarityAttributeProblems(config: Config): string[] {
  return config.accounts.passwordValidators
    .filter((validator) => validator.name === "UserAttributeSimilarityValidator")
    .flatMap((validator) => {
      const names = validator.options["user_attributes"];
      if (!Array.isArray(names)) return [];
      return names
        .filter((name) => typeof name !== "string" || !SIMILARITY_ATTRIBUTES.includes(name))
        .map(
          (name) =>
            `PASSWORD_VALIDATORS: UserAttributeSimilarityValidator compares ${SIMILARITY_ATTRIBUTES.join(", ")}; ` +
            `"${String(name)}" is none of them`,
        );
    });
}
