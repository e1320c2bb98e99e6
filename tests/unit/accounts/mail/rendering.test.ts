import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailRenderer, type EmailContext } from "../../../../src/accounts/mail/rendering.js";
import { loadConfig, type Config, type EmailKind } from "../../../../src/config/config.js";

function mailConfig(overrides: Partial<Config["mail"]> = {}): Config["mail"] {
  return { ...loadConfig({ NODE_ENV: "test" }).mail, ...overrides };
}

function aContext(overrides: Partial<EmailContext> = {}): EmailContext {
  return {
    user: {
      username: "alice",
      email: "alice@example.com",
      first_name: "Alice",
      last_name: "Liddell",
    },
    token: "eyJ1c2VybmFtZSI6ImFsaWNlIn0:1nJrWa:abc",
    protocol: "http",
    domain: "127.0.0.1:8000",
    site_name: "127.0.0.1:8000",
    port: "8000",
    path: "activate",
    timestamp: 1_700_000_000.25,
    request: { host: "127.0.0.1:8000", scheme: "http" },
    ...overrides,
  };
}

describe("createEmailRenderer", () => {
  const cases: [EmailKind, string, string, string][] = [
    [
      "activation",
      "activate",
      "Activate your account on",
      "Please activate your account on the link:",
    ],
    [
      "activationResend",
      "activate",
      "Activate your account on",
      "Please activate your account on the link:",
    ],
    [
      "secondaryEmailActivation",
      "activate",
      "Activate your account on",
      "Please activate your account on the link:",
    ],
    [
      "passwordReset",
      "password-reset",
      "Reset your password on",
      "Reset your password on the link:",
    ],
    ["passwordSet", "password-set", "Set your password on", "Set your password on the link:"],
  ];

  it.each(cases)(
    "renders the default %s email with the link to the frontend path",
    async (kind, path, subject, instruction) => {
      const email = await createEmailRenderer(mailConfig()).render(kind, aContext({ path }));

      expect(email.subject).toBe(`${subject} 127.0.0.1:8000`);
      expect(email.html).toContain("<h3>127.0.0.1:8000</h3>");
      expect(email.html).toContain("<p>Hello alice!</p>");
      expect(email.html).toContain(`<p>${instruction}</p>`);
      const link = `http://127.0.0.1:8000/${path}/eyJ1c2VybmFtZSI6ImFsaWNlIn0:1nJrWa:abc`;
      expect(email.html).toContain(`<p>${link}</p>`);
      expect(email.text).toContain(`Hello alice!\n\n${instruction}\n\n${link}`);
      expect(email.text).not.toContain("<");
    },
  );

  it("escapes values in the HTML part but not in the subject or the text part", async () => {
    const context = aContext({
      user: {
        username: "<script>x</script>",
        email: "e@example.com",
        first_name: "",
        last_name: "",
      },
      site_name: "Tom & Jerry's",
    });

    const email = await createEmailRenderer(mailConfig()).render("activation", context);

    expect(email.html).toContain("Hello &lt;script&gt;x&lt;/script&gt;!");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("<h3>Tom &amp; Jerry&#39;s</h3>");
    expect(email.subject).toBe("Activate your account on Tom & Jerry's");
    expect(email.text).toContain("Hello <script>x</script>!");
  });

  describe("with a template directory", () => {
    let templateDir: string;

    beforeAll(async () => {
      templateDir = await mkdtemp(join(tmpdir(), "gatehouse-templates-"));
      await mkdir(join(templateDir, "email"));
      await writeFile(
        join(templateDir, "email", "activation_email.html"),
        "<p>{{ greeting }}, {{ user.first_name }}! {{ token }}</p>",
      );
      await writeFile(
        join(templateDir, "email", "custom_subject.txt"),
        "\n  Welcome to\n{{ brand }}  \n",
      );
    });

    afterAll(async () => {
      await rm(templateDir, { recursive: true, force: true });
    });

    it("prefers the directory's template and falls back to the shipped one for the rest", async () => {
      const renderer = createEmailRenderer(
        mailConfig({ templateDir, templateVariables: { greeting: "Hi" } }),
      );

      const activation = await renderer.render("activation", aContext());
      const reset = await renderer.render("passwordReset", aContext());

      expect(activation.html).toBe("<p>Hi, Alice! eyJ1c2VybmFtZSI6ImFsaWNlIn0:1nJrWa:abc</p>");
      expect(reset.html).toContain("Reset your password on the link:");
    });

    it("flattens a multi-line subject template to one trimmed line", async () => {
      const config = mailConfig({
        templateDir,
        templateVariables: { brand: "Acme" },
        subjectTemplates: {
          ...mailConfig().subjectTemplates,
          passwordReset: "email/custom_subject.txt",
        },
      });

      const email = await createEmailRenderer(config).render("passwordReset", aContext());

      expect(email.subject).toBe("Welcome to Acme");
    });
  });

  it("exposes the template variables, with the email context winning a name clash", async () => {
    const config = mailConfig({ templateVariables: { site_name: "Ignored", token: "ignored" } });

    const email = await createEmailRenderer(config).render(
      "passwordSet",
      aContext({ path: "password-set" }),
    );

    expect(email.subject).toBe("Set your password on 127.0.0.1:8000");
    expect(email.text).toContain("/password-set/eyJ1c2VybmFtZSI6ImFsaWNlIn0:1nJrWa:abc");
  });
});
