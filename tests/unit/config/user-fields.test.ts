import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { problemsOf } from "../../support/config-problems.js";

const fields = (declarations: Record<string, unknown>) => ({
  USER_FIELDS: JSON.stringify(declarations),
});

describe("USER_FIELDS", () => {
  it("reads a Django model's field declarations, with Django's defaults", () => {
    const config = loadConfig(
      fields({
        phone_number: { type: "CharField", max_length: 20, blank: true, default: "" },
        date_of_birth: { type: "DateField", null: true, blank: true },
        is_representative: { type: "BooleanField", default: false },
        website: { type: "URLField", blank: true, help_text: "Your home page" },
        budget: { type: "DecimalField", max_digits: 8, decimal_places: 2, null: true },
        title: {
          type: "CharField",
          max_length: 3,
          null: true,
          choices: [
            ["dr", "Doctor"],
            ["pr", "Prof."],
          ],
        },
      }),
    );
    expect(config.accounts.userFields).toEqual([
      {
        name: "phone_number",
        type: "CharField",
        null: false,
        blank: true,
        default: "",
        unique: false,
        dbIndex: false,
        maxLength: 20,
        helpText: "",
        verboseName: "phone number",
      },
      {
        name: "date_of_birth",
        type: "DateField",
        null: true,
        blank: true,
        unique: false,
        dbIndex: false,
        helpText: "",
        verboseName: "date of birth",
      },
      {
        name: "is_representative",
        type: "BooleanField",
        null: false,
        blank: false,
        default: false,
        unique: false,
        dbIndex: false,
        helpText: "",
        verboseName: "is representative",
      },
      {
        name: "website",
        type: "URLField",
        null: false,
        blank: true,
        unique: false,
        dbIndex: false,
        maxLength: 200,
        helpText: "Your home page",
        verboseName: "website",
      },
      {
        name: "budget",
        type: "DecimalField",
        null: true,
        blank: false,
        unique: false,
        dbIndex: false,
        maxDigits: 8,
        decimalPlaces: 2,
        helpText: "",
        verboseName: "budget",
      },
      {
        name: "title",
        type: "CharField",
        null: true,
        blank: false,
        unique: false,
        dbIndex: false,
        maxLength: 3,
        choices: [
          { value: "dr", label: "Doctor" },
          { value: "pr", label: "Prof." },
        ],
        helpText: "",
        verboseName: "title",
      },
    ]);
  });

  it("reads the declarations from the file USER_FIELDS_FILE names", () => {
    const file = join(mkdtempSync(join(tmpdir(), "gatehouse-fields-")), "fields.json");
    writeFileSync(file, JSON.stringify({ nickname: { type: "CharField", max_length: 30 } }));
    const config = loadConfig({ USER_FIELDS_FILE: file });
    expect(config.accounts.userFields.map((field) => field.name)).toEqual(["nickname"]);
  });

  it("stops on declarations Django would refuse, naming the field and the problem", () => {
    expect(
      problemsOf(
        fields({
          nickname: { type: "CharField" },
          email: { type: "EmailField" },
          phone: { type: "PhoneField" },
          age: { type: "IntegerField", max_length: 3, colour: "red", null: true },
          price: { type: "DecimalField", max_digits: 4, decimal_places: 6, null: true },
          mood: { type: "CharField", max_length: 2, choices: [["happy", "Happy"]], null: true },
          score: { type: "IntegerField", default: "high" },
          rank: { type: "IntegerField" },
          Bad_Name: { type: "TextField" },
          trailing_: { type: "TextField" },
          double__under: { type: "TextField" },
        }),
      ),
    ).toEqual([
      "USER_FIELDS: nickname: CharFields must define a 'max_length' attribute (Django fields.E120)",
      "USER_FIELDS: email: clashes with a field the user model already has",
      'USER_FIELDS: phone: unknown type "PhoneField" (one of CharField, TextField, EmailField, URLField, SlugField, BooleanField, IntegerField, PositiveIntegerField, BigIntegerField, FloatField, DecimalField, DateField, DateTimeField, UUIDField, JSONField)',
      "USER_FIELDS: age: unknown option 'colour'",
      "USER_FIELDS: age: 'max_length' does not apply to a IntegerField",
      "USER_FIELDS: price: 'max_digits' must be greater or equal to 'decimal_places' (Django fields.E134)",
      "USER_FIELDS: mood: 'max_length' is too small to fit the longest value in 'choices' (Django fields.E009)",
      "USER_FIELDS: score: 'default' \"high\" is not a value of a IntegerField",
      'USER_FIELDS: rank: needs "default" or "null": true: users made without it (createsuperuser, the admin\'s add form) would have no value to store',
      "USER_FIELDS: Bad_Name: names must be snake_case: a lower-case letter, then letters, digits or _",
      "USER_FIELDS: trailing_: field names must not end with an underscore (Django fields.E001)",
      "USER_FIELDS: double__under: field names must not contain '__' (Django fields.E002)",
    ]);
  });

  it("refuses both USER_FIELDS and USER_FIELDS_FILE, and a file it cannot read", () => {
    expect(problemsOf({ USER_FIELDS: "{}", USER_FIELDS_FILE: "/nowhere.json" })).toEqual([
      "USER_FIELDS and USER_FIELDS_FILE: set one of them, not both",
    ]);
    expect(problemsOf({ USER_FIELDS_FILE: "/nowhere/fields.json" })).toEqual([
      "USER_FIELDS_FILE (/nowhere/fields.json): cannot be read (ENOENT)",
    ]);
    expect(problemsOf({ USER_FIELDS: "[1, 2]" })).toEqual([
      "USER_FIELDS: must be a JSON object of field name → declaration",
    ]);
  });
});

describe("settings that name model fields", () => {
  it("stops when a mutation, node, login or filter setting names a field the model lacks", () => {
    expect(
      problemsOf({
        REGISTER_MUTATION_FIELDS: "email,username,phone",
        REGISTER_MUTATION_FIELDS_OPTIONAL: "nickname",
        UPDATE_MUTATION_FIELDS: '{"first_name": "String", "age": "Int"}',
        USER_NODE_EXCLUDE_FIELDS: "password,shoe_size",
        LOGIN_ALLOWED_FIELDS: '["phone"]',
        USER_NODE_FILTER_FIELDS: '{"phone": ["exact"], "is_active": ["icontains"]}',
      }),
    ).toEqual([
      'REGISTER_MUTATION_FIELDS: the user model has no field "phone" that it can use',
      'REGISTER_MUTATION_FIELDS_OPTIONAL: the user model has no field "nickname" that it can use',
      'UPDATE_MUTATION_FIELDS: the user model has no field "age" that it can use',
      'USER_NODE_EXCLUDE_FIELDS: the user model has no field "shoe_size" that it can use',
      'LOGIN_ALLOWED_FIELDS: the user model has no field "phone" that it can use',
      'USER_NODE_FILTER_FIELDS: the user model has no field "phone" to filter on',
      'USER_NODE_FILTER_FIELDS: "is_active" (a BooleanField) has no lookup "icontains" (one of exact, isnull)',
    ]);
  });

  it("accepts declared fields in the mutation, node and filter settings, and unique ones for login", () => {
    const config = loadConfig({
      ...fields({
        phone: { type: "CharField", max_length: 20, unique: true, null: true },
        nickname: { type: "CharField", max_length: 30, blank: true, default: "" },
      }),
      REGISTER_MUTATION_FIELDS: "email,username,phone",
      REGISTER_MUTATION_FIELDS_OPTIONAL: "nickname",
      UPDATE_MUTATION_FIELDS: "first_name,nickname",
      USER_NODE_EXCLUDE_FIELDS: "password,nickname",
      LOGIN_ALLOWED_FIELDS: '["username", "phone"]',
      USER_NODE_FILTER_FIELDS: '{"nickname": ["exact", "icontains"]}',
    });
    expect(config.accounts.loginAllowedFields).toEqual(["username", "phone"]);
  });

  it("refuses a login field that is not unique: it could name two accounts", () => {
    expect(
      problemsOf({
        ...fields({ nickname: { type: "CharField", max_length: 30 } }),
        LOGIN_ALLOWED_FIELDS: "nickname",
      }),
    ).toEqual(['LOGIN_ALLOWED_FIELDS: the user model has no field "nickname" that it can use']);
  });

  it("refuses similarity attributes the password check is never given", () => {
    expect(
      problemsOf({
        ...fields({ phone: { type: "CharField", max_length: 20, blank: true, default: "" } }),
        PASSWORD_VALIDATORS: JSON.stringify([
          {
            name: "UserAttributeSimilarityValidator",
            options: { user_attributes: ["email", "phone"] },
          },
        ]),
      }),
    ).toEqual([
      'PASSWORD_VALIDATORS: UserAttributeSimilarityValidator compares username, first_name, last_name, email; "phone" is none of them',
    ]);
  });
});
