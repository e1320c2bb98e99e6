// Issue 13, items 6 and 7, over real HTTP: the project's declared user fields (USER_FIELDS) on the
// admin's change form (a widget per type, label, help text, Django's errors under the field, the
// API's cleaning and uniqueness, the change message), in the list (ADMIN_USER_LIST_FIELDS columns,
// search, sidebar filters), and in the account emails' template context.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPermissions } from "../../../src/accounts/staff/groups-store.js";
import { takenDeclaredField } from "../../../src/accounts/fields/columns-store.js";
import { ConfigError, loadConfig } from "../../../src/config/config.js";
import {
  declaredField,
  fieldColumnsOf,
  fieldValue,
} from "../../../src/accounts/fields/user-fields.js";
import type { User } from "../../../src/accounts/types.js";
import { findUserById, findUserByUsername } from "../../../src/accounts/users-store.js";
import { updateUser } from "../../../src/accounts/user-writes-store.js";
import {
  AdminClient,
  listedUsernames,
  userChangeForm,
  type Fields,
  type Page,
  aLoggedInSuperuser,
  anAdminClient,
} from "../../support/admin-client.js";
import { aRegisteredUser, aVerifiedUser, STRONG_PASSWORD } from "../../support/builders.js";
import { RESEND_ACTIVATION_EMAIL } from "../../support/operations.js";
import { startTestApp, testDatabases, unique, type TestApp } from "../../support/test-app.js";

const USER_FIELDS = {
  phone_number: {
    type: "CharField",
    max_length: 20,
    blank: true,
    default: "",
    help_text: "Include the country code.",
  },
  date_of_birth: { type: "DateField", null: true, blank: true },
  title: {
    type: "CharField",
    max_length: 3,
    // Not blank and no default: a user holds no title (null) until a form asks for one.
    null: true,
    choices: [
      ["dr", "Doctor"],
      ["mx", "Mx"],
    ],
  },
  newsletter: { type: "BooleanField", default: false, help_text: "Receives the monthly letter." },
  vip: { type: "BooleanField", null: true, blank: true, verbose_name: "very important" },
  bio: { type: "TextField", blank: true, default: "" },
  score: { type: "PositiveIntegerField", default: 0 },
  ratio: { type: "FloatField", null: true, blank: true },
  balance: { type: "DecimalField", max_digits: 6, decimal_places: 2, default: "0.00" },
  last_seen: { type: "DateTimeField", null: true, blank: true },
  prefs: { type: "JSONField", default: {}, blank: true },
  badge: { type: "SlugField", max_length: 20, unique: true, null: true, blank: true },
};
const DECLARED = Object.keys(USER_FIELDS);

const ACTIVATION_TEMPLATE = `<p>Hello {{ user.username }}, phone {{ user.phone_number }}, born {{ user.date_of_birth }}, letter {{ user.newsletter }}, seen {{ user.last_seen }}, prefs {{ user.prefs }}</p>

<p>{{ protocol }}://{{ domain }}/{{ path }}/{{ token }}</p>
`;

const ENTITIES: Record<string, string> = { "&#34;": '"', "&#39;": "'", "&lt;": "<", "&gt;": ">" };
const unescape = (text: string) =>
  text
    .replace(/&#34;|&#39;|&lt;|&gt;/g, (entity) => ENTITIES[entity] ?? entity)
    .replaceAll("&amp;", "&");

/** The declared fields of a change page as a browser would submit them. */
function declaredFormOf(html: string): Fields {
  const fields: Fields = {};
  for (const name of DECLARED) {
    const input = new RegExp(
      `<input type="([a-z-]+)" name="${name}" id="id_${name}" value="([^"]*)"([^>]*)>`,
    ).exec(html);
    const textarea = new RegExp(
      `<textarea name="${name}" id="id_${name}"[^>]*>\\n([^<]*)</textarea>`,
    ).exec(html);
    const select = new RegExp(
      `<select name="${name}" id="id_${name}"[^>]*>([\\s\\S]*?)</select>`,
    ).exec(html);
    if (input !== null) {
      const [, type, value = "", rest = ""] = input;
      if (type !== "checkbox") fields[name] = unescape(value);
      else if (rest.includes(" checked")) fields[name] = value;
    } else if (textarea !== null) {
      fields[name] = unescape(textarea[1] ?? "");
    } else if (select !== null) {
      fields[name] = unescape(/<option value="([^"]*)" selected>/.exec(select[1] ?? "")?.[1] ?? "");
    } else {
      throw new Error(`no widget for ${name}`);
    }
  }
  return fields;
}

describe("ADMIN_USER_LIST_FIELDS", () => {
  const load = (env: Record<string, string>) => () =>
    loadConfig({ USER_FIELDS: JSON.stringify(USER_FIELDS), ...env });

  it("takes built-in and declared fields, and defaults to Django's UserAdmin columns", () => {
    expect(loadConfig({}).accounts.adminUserListFields).toEqual([
      "username",
      "email",
      "first_name",
      "last_name",
      "is_staff",
      "verified",
      "archived",
      "date_joined",
    ]);
    expect(
      load({ ADMIN_USER_LIST_FIELDS: "email,is_active,last_login,badge" })().accounts
        .adminUserListFields,
    ).toEqual(["email", "is_active", "last_login", "badge"]);
  });

  it("stops the server on a field the list cannot show, none at all, or one twice", () => {
    for (const [value, problem] of [
      [
        "username,password",
        'ADMIN_USER_LIST_FIELDS: the user model has no field "password" to show',
      ],
      [
        "username,nickname",
        'ADMIN_USER_LIST_FIELDS: the user model has no field "nickname" to show',
      ],
      ["[]", "ADMIN_USER_LIST_FIELDS: name at least one field to show"],
      ["email,email", 'ADMIN_USER_LIST_FIELDS: "email" is listed more than once'],
    ] as const) {
      expect(load({ ADMIN_USER_LIST_FIELDS: value }), value).toThrow(ConfigError);
      expect(load({ ADMIN_USER_LIST_FIELDS: value }), value).toThrow(problem);
    }
  });
});

describe("a unique declared value taken by a concurrent write", () => {
  it("is told from the built-in unique keys in either database's error", () => {
    const fields = loadConfig({ USER_FIELDS: JSON.stringify(USER_FIELDS) }).accounts.userFields;
    const postgres = { code: "23505", detail: "Key (badge)=(ada) already exists." };
    const sqlite = {
      code: "SQLITE_CONSTRAINT_UNIQUE",
      message: "UNIQUE constraint failed: users.badge",
    };
    expect(takenDeclaredField(postgres, fields)?.name).toBe("badge");
    expect(takenDeclaredField(sqlite, fields)?.name).toBe("badge");
    const email = { code: "23505", detail: "Key (email_key)=(a@b.c) already exists." };
    expect(takenDeclaredField(email, fields)).toBeUndefined();
    expect(takenDeclaredField(new Error("boom"), fields)).toBeUndefined();
  });
});

describe.each(testDatabases())("admin: declared user fields (%s)", (database) => {
  let app: TestApp;
  let admin: AdminClient;
  let templateDir: string;

  beforeAll(async () => {
    templateDir = mkdtempSync(join(tmpdir(), "gatehouse-templates-"));
    mkdirSync(join(templateDir, "email"));
    writeFileSync(join(templateDir, "email", "activation_email.html"), ACTIVATION_TEMPLATE);
    app = await startTestApp(database, {
      USER_FIELDS: JSON.stringify(USER_FIELDS),
      ADMIN_USER_LIST_FIELDS: "username,email,phone_number,title,newsletter,date_of_birth",
      EMAIL_TEMPLATE_DIR: templateDir,
    });
    ({ client: admin } = await aLoggedInSuperuser(app));
  });
  afterAll(async () => {
    await app.close();
    rmSync(templateDir, { recursive: true, force: true });
  });

  async function idOf(username: string): Promise<number> {
    const found = await findUserByUsername(app.deps.db, username);
    expect(found).toBeDefined();
    return found?.id ?? 0;
  }

  async function storedUser(id: number): Promise<User> {
    const user = await findUserById(app.deps.db, id);
    if (user === undefined) throw new Error(`user ${String(id)} is gone`);
    return user;
  }

  /** The declared fields' stored values, in their domain form. */
  async function storedFields(id: number): Promise<Record<string, unknown>> {
    const user = await storedUser(id);
    return Object.fromEntries(
      DECLARED.map((name) => {
        const field = declaredField(app.config, name);
        return [name, field === undefined ? undefined : fieldValue(field, user)];
      }),
    );
  }

  /** Stores declared values directly, as the API would have. */
  async function setFields(id: number, values: Record<string, unknown>): Promise<void> {
    await updateUser(app.deps.db, id, { fieldColumns: fieldColumnsOf(app.config, values) });
  }

  /** The change form as the page would submit it, with some fields replaced. */
  async function saveChangeForm(client: AdminClient, id: number, changes: Fields): Promise<Page> {
    const page = await client.get(`/admin/users/${String(id)}/change/`);
    expect(page.status).toBe(200);
    return client.post(`/admin/users/${String(id)}/change/`, {
      ...userChangeForm(page.html),
      ...declaredFormOf(page.html),
      ...changes,
    });
  }

  describe("the change form", () => {
    it("shows each declared field with its widget, label, help text and current value", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      await setFields(id, {
        phone_number: "+44 20 7946 0000",
        date_of_birth: "1990-04-01",
        title: "dr",
        newsletter: true,
        vip: false,
        bio: "Line one <b>\nLine two",
        score: 7,
        ratio: 0.25,
        balance: "12.50",
        last_seen: new Date("2024-05-06T07:08:09Z"),
        prefs: { theme: "dark" },
        badge: "ada-l",
      });
      const { html } = await admin.get(`/admin/users/${String(id)}/change/`);
      const widgets = [
        '<label for="id_phone_number">Phone number</label>',
        '<input type="text" name="phone_number" id="id_phone_number" value="+44 20 7946 0000" maxlength="20" aria-describedby="id_phone_number_helptext">',
        '<div class="help" id="id_phone_number_helptext">Include the country code.</div>',
        '<label for="id_date_of_birth">Date of birth</label>',
        '<input type="date" name="date_of_birth" id="id_date_of_birth" value="1990-04-01">',
        // Not blank and no default: Django's blank choice is offered, and the field is required.
        '<select name="title" id="id_title" required>',
        '<option value="">---------</option><option value="dr" selected>Doctor</option><option value="mx">Mx</option>',
        '<label for="id_newsletter"><input type="checkbox" name="newsletter" id="id_newsletter" value="on" checked aria-describedby="id_newsletter_helptext">Newsletter</label>',
        '<div class="help" id="id_newsletter_helptext">Receives the monthly letter.</div>',
        '<label for="id_vip">Very important</label>',
        '<option value="unknown">Unknown</option><option value="true">Yes</option><option value="false" selected>No</option>',
        '<textarea name="bio" id="id_bio" rows="4">\nLine one &lt;b&gt;\nLine two</textarea>',
        '<input type="number" name="score" id="id_score" value="7" step="1" min="0" required>',
        '<input type="number" name="ratio" id="id_ratio" value="0.25" step="any">',
        '<input type="number" name="balance" id="id_balance" value="12.50" step="0.01" required>',
        '<label for="id_last_seen">Last seen <span class="help">(UTC)</span></label>',
        '<input type="datetime-local" name="last_seen" id="id_last_seen" value="2024-05-06T07:08:09" step="1">',
        '<textarea name="prefs" id="id_prefs" rows="4">\n{&#34;theme&#34;:&#34;dark&#34;}</textarea>',
        '<input type="text" name="badge" id="id_badge" value="ada-l" maxlength="20">',
      ];
      for (const widget of widgets) expect(html).toContain(widget);
      expect(html).not.toContain('class="errorlist"');
    });

    it("saves declared fields with the rest of the form and names them in the change message", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      const saved = await saveChangeForm(admin, id, {
        first_name: "Ada",
        phone_number: " +1 555 0100 ",
        date_of_birth: "1815-12-10",
        title: "mx",
        newsletter: "on",
        vip: "true",
        score: "12",
        balance: "3.5",
        last_seen: "2024-01-02T03:04:05",
        prefs: '{"lang": "en"}',
        badge: "countess",
      });
      expect(saved.status).toBe(302);
      expect((await storedUser(id)).firstName).toBe("Ada");
      expect(await storedFields(id)).toEqual({
        phone_number: "+1 555 0100",
        date_of_birth: "1815-12-10",
        title: "mx",
        newsletter: true,
        vip: true,
        bio: "",
        score: 12,
        ratio: null,
        balance: "3.50",
        last_seen: new Date("2024-01-02T03:04:05Z"),
        prefs: { lang: "en" },
        badge: "countess",
      });
      // The API reads what the admin saved.
      const me = await app.gql("{ me { phoneNumber dateOfBirth } }", {}, { token: user.token });
      expect(me.body.data?.me).toEqual({ phoneNumber: "+1 555 0100", dateOfBirth: "1815-12-10" });
      const page = await admin.get(`/admin/users/${String(id)}/change/`);
      expect(page.html).toContain('name="phone_number" id="id_phone_number" value="+1 555 0100"');
      expect(page.html).toContain('name="date_of_birth" id="id_date_of_birth" value="1815-12-10"');
      expect(page.html).toContain('<option value="mx" selected>Mx</option>');
      expect((await admin.get(`/admin/users/${String(id)}/history/`)).html).toContain(
        "Changed first_name, phone number, date of birth, title, newsletter, very important, score, " +
          "balance, last seen, prefs and badge.",
      );
      // Saving again changes nothing: every widget gives back the value it showed.
      const again = await saveChangeForm(admin, id, {});
      expect(again.status).toBe(302);
      expect((await admin.get(`/admin/users/${String(id)}/history/`)).html).toContain(
        "No fields changed.",
      );
    });

    it("shows Django's errors under the fields and changes nothing", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      await setFields(id, { title: "dr", phone_number: "0100" });
      const before = await storedFields(id);
      const refused = await saveChangeForm(admin, id, {
        first_name: "Changed",
        phone_number: "0".repeat(21),
        date_of_birth: "2023-02-30",
        title: "zz",
        score: "-1",
        ratio: "many",
        balance: "1234.567",
        last_seen: "yesterday",
        prefs: "{bad",
        badge: "not a slug",
      });
      expect(refused.status).toBe(200);
      const errors = {
        phone_number: "Ensure this value has at most 20 characters (it has 21).",
        date_of_birth: "Enter a valid date.",
        title: "Select a valid choice. zz is not one of the available choices.",
        score: "Ensure this value is greater than or equal to 0.",
        ratio: "Enter a number.",
        balance: "Ensure that there are no more than 6 digits in total.",
        last_seen: "Enter a valid date/time.",
        prefs: "Enter a valid JSON.",
        badge:
          "Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or hyphens.",
      };
      for (const [name, message] of Object.entries(errors)) {
        expect(refused.html).toContain(
          `<ul class="errorlist" id="id_${name}_errors"><li>${message}</li></ul>`,
        );
      }
      // The form shows what was submitted, for correcting it.
      expect(refused.html).toContain(
        'name="date_of_birth" id="id_date_of_birth" value="2023-02-30"',
      );
      expect((await storedUser(id)).firstName).not.toBe("Changed");
      expect(await storedFields(id)).toEqual(before);
    });

    it("requires a field that may not be blank", async () => {
      const user = await aVerifiedUser(app);
      const id = await idOf(user.username);
      // Users start without a title: the form asks for one before it saves anything.
      const refused = await saveChangeForm(admin, id, { last_name: "Lovelace" });
      expect(refused.status).toBe(200);
      expect(refused.html).toContain(
        '<ul class="errorlist" id="id_title_errors"><li>This field is required.</li></ul>',
      );
      expect((await storedUser(id)).lastName).not.toBe("Lovelace");
    });

    it("refuses a value another user holds in a unique field, and keeps one's own", async () => {
      const holder = await aVerifiedUser(app);
      const holderId = await idOf(holder.username);
      const badge = unique("b").toLowerCase().slice(0, 20);
      await setFields(holderId, { badge, title: "dr" });
      const other = await aVerifiedUser(app);
      const otherId = await idOf(other.username);
      const refused = await saveChangeForm(admin, otherId, { badge, title: "dr" });
      expect(refused.status).toBe(200);
      expect(refused.html).toContain(
        '<ul class="errorlist" id="id_badge_errors"><li>User with this Badge already exists.</li></ul>',
      );
      expect((await storedFields(otherId)).badge).toBeNull();
      // The holder's own form keeps the value: uniqueness leaves out the user being edited.
      expect((await saveChangeForm(admin, holderId, { first_name: "Kept" })).status).toBe(302);
      expect((await storedFields(holderId)).badge).toBe(badge);
    });

    it("follows the existing privilege rules: staff change others' fields, never a superuser's", async () => {
      const permissions = await listPermissions(app.deps.db);
      const idsOf = (codenames: string[]) =>
        permissions.filter((p) => codenames.includes(p.codename)).map((p) => String(p.id));
      const staff = await aVerifiedUser(app);
      const staffId = await idOf(staff.username);
      await setFields(staffId, { title: "dr" });
      const granted = await saveChangeForm(admin, staffId, {
        is_staff: "on",
        user_permissions: idsOf(["view_user", "change_user"]),
      });
      expect(granted.status).toBe(302);
      const client = anAdminClient(app);
      await client.logIn(staff.username, STRONG_PASSWORD);

      const member = await aVerifiedUser(app);
      const memberId = await idOf(member.username);
      await setFields(memberId, { title: "dr" });
      expect((await saveChangeForm(client, memberId, { phone_number: "0200" })).status).toBe(302);
      expect((await storedFields(memberId)).phone_number).toBe("0200");

      const { user: root } = await aLoggedInSuperuser(app);
      await setFields(root.id, { title: "dr" });
      const page = await client.get(`/admin/users/${String(root.id)}/change/`);
      expect(page.html).toContain("View user");
      const refused = await client.post(`/admin/users/${String(root.id)}/change/`, {
        ...userChangeForm(page.html),
        ...declaredFormOf(page.html),
        phone_number: "0300",
      });
      expect(refused.status).toBe(403);
      expect((await storedFields(root.id)).phone_number).toBe("");
    });
  });

  describe("the add form", () => {
    it("asks for username, email and password only; declared fields get their defaults", async () => {
      const form = await admin.get("/admin/users/add/");
      for (const name of DECLARED) expect(form.html).not.toContain(`name="${name}"`);
      const username = unique("added");
      const added = await admin.post("/admin/users/add/", {
        username,
        email: `${username}@example.com`,
        password1: STRONG_PASSWORD,
        password2: STRONG_PASSWORD,
      });
      expect(added.status).toBe(302);
      expect(await storedFields(await idOf(username))).toEqual({
        phone_number: "",
        date_of_birth: null,
        title: null,
        newsletter: false,
        vip: null,
        bio: "",
        score: 0,
        ratio: null,
        balance: "0.00",
        last_seen: null,
        prefs: {},
        badge: null,
      });
    });
  });

  describe("the list", () => {
    it("shows the ADMIN_USER_LIST_FIELDS columns, searches declared text and filters", async () => {
      const prefix = unique("lst");
      const a = await aVerifiedUser(app, { username: `${prefix}_a` });
      const b = await aVerifiedUser(app, { username: `${prefix}_b` });
      const phone = `+33 ${String(Date.now()).slice(-9)}`;
      await setFields(await idOf(a.username), {
        phone_number: phone,
        title: "dr",
        newsletter: true,
        date_of_birth: "1990-04-01",
      });
      await setFields(await idOf(b.username), { title: "mx", newsletter: false });
      const c = await aVerifiedUser(app, { username: `${prefix}_c` });

      const list = await admin.get(`/admin/users/?q=${prefix}`);
      expect(list.status).toBe(200);
      const headers = [...list.html.matchAll(/<th scope="col"[^>]*>(?:<a [^>]*>)?([^<]+)/g)].map(
        (match) => match[1]?.trim(),
      );
      expect(headers).toEqual([
        "Username ▲",
        "Email address",
        "Phone number",
        "Title",
        "Newsletter",
        "Date of birth",
      ]);
      expect(listedUsernames(list.html)).toEqual([a.username, b.username, c.username]);
      const rowOfA = list.html.slice(list.html.indexOf(`>${a.username}</a></th>`));
      expect(rowOfA.slice(0, rowOfA.indexOf("</tr>"))).toMatch(
        new RegExp(
          `<td>${a.email}</td>\\s*<td>\\${phone}</td>\\s*<td>Doctor</td>\\s*<td><span class="yes"[^>]*>✔</span></td>\\s*<td>1990-04-01</td>`,
        ),
      );
      // Django's empty value display: no title among the choices, no date.
      const rowOfC = list.html.slice(list.html.indexOf(`>${c.username}</a></th>`));
      expect(rowOfC.slice(0, rowOfC.indexOf("</tr>"))).toMatch(
        /<td><\/td>\s*<td>-<\/td>\s*<td><span class="no"[^>]*>✘<\/span><\/td>\s*<td>-<\/td>/,
      );

      // Search reads the declared text fields too.
      const searched = await admin.get(`/admin/users/?q=${encodeURIComponent(phone.slice(4))}`);
      expect(listedUsernames(searched.html)).toEqual([a.username]);
      expect(searched.html).toContain(
        'placeholder="Search by username, name, email, phone number, title, bio or badge"',
      );

      // Sidebar filters: a Boolean's All / Yes / No, a choice field's labels.
      const filters = list.html.slice(list.html.indexOf('<aside class="filters"'));
      expect(filters).toContain("<h3>By newsletter</h3>");
      expect(filters).toContain(`href="/admin/users/?q=${prefix}&amp;newsletter__exact=1">Yes</a>`);
      expect(filters).toContain("<h3>By title</h3>");
      expect(filters).toContain(`href="/admin/users/?q=${prefix}&amp;title__exact=mx">Mx</a>`);
      expect(filters).toContain("<h3>By very important</h3>");
      expect(filters).toContain(
        `href="/admin/users/?q=${prefix}&amp;vip__isnull=True">Unknown</a>`,
      );
      const subscribed = await admin.get(`/admin/users/?q=${prefix}&newsletter__exact=1`);
      expect(listedUsernames(subscribed.html)).toEqual([a.username]);
      expect(subscribed.html).toMatch(
        /<a href="[^"]*newsletter__exact=1"[^>]*aria-current="true">Yes<\/a>/,
      );
      const notSubscribed = await admin.get(`/admin/users/?q=${prefix}&newsletter__exact=0`);
      expect(listedUsernames(notSubscribed.html)).toEqual([b.username, c.username]);
      const doctors = await admin.get(`/admin/users/?q=${prefix}&title__exact=dr`);
      expect(listedUsernames(doctors.html)).toEqual([a.username]);
      const mx = await admin.get(`/admin/users/?q=${prefix}&title__exact=mx`);
      expect(listedUsernames(mx.html)).toEqual([b.username]);
      const unknownVip = await admin.get(`/admin/users/?q=${prefix}&vip__isnull=True`);
      expect(listedUsernames(unknownVip.html)).toEqual([a.username, b.username, c.username]);
      // A value that is no choice filters nothing, as "All".
      const bogus = await admin.get(`/admin/users/?q=${prefix}&title__exact=zz`);
      expect(listedUsernames(bogus.html)).toEqual([a.username, b.username, c.username]);

      // A declared column sorts like a built-in one.
      const sorted = await admin.get(`/admin/users/?q=${prefix}&o=-title`);
      expect(listedUsernames(sorted.html)).toEqual([b.username, a.username, c.username]);
    });
  });

  describe("emails", () => {
    it("renders declared fields in a template override", async () => {
      const user = await aRegisteredUser(app);
      const id = await idOf(user.username);
      await setFields(id, {
        phone_number: "+1 555 0199",
        date_of_birth: "2001-02-03",
        newsletter: true,
        last_seen: new Date("2024-05-06T07:08:09Z"),
        prefs: { a: 1 },
      });
      const resent = await app.gql(RESEND_ACTIVATION_EMAIL, { email: user.email });
      expect(resent.body.data?.resendActivationEmail).toEqual({ success: true, errors: null });
      const mail = await app.smtp.waitFor(
        (m) => m.envelopeTo.includes(user.email) && m.text.includes("+1 555 0199"),
      );
      expect(mail.text).toContain(
        `Hello ${user.username}, phone +1 555 0199, born 2001-02-03, letter true, ` +
          `seen 2024-05-06T07:08:09.000Z, prefs {"a":1}`,
      );
      expect(mail.html).toContain("prefs {&#34;a&#34;:1}");
    });
  });
});
