// The content of the account emails (SPEC §9): subject and HTML body rendered from overridable
// Liquid templates, and the text part derived from the HTML. Sending is the mailer's job.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Liquid } from "liquidjs";
import type { Config, EmailKind } from "../../config/config.js";

export interface EmailContext {
  user: { username: string; email: string; first_name: string; last_name: string };
  token: string;
  protocol: "http" | "https";
  domain: string;
  site_name: string;
  port: string;
  path: string;
  /** Unix time in seconds, with a fraction (Python's `time.time()`). */
  timestamp: number;
  request: { host: string; scheme: string };
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailRenderer {
  render(kind: EmailKind, context: EmailContext): Promise<RenderedEmail>;
}

export function createEmailRenderer(mail: Config["mail"]): EmailRenderer {
  // The user's directory comes first so any shipped template can be overridden by name.
  const root = [
    ...(mail.templateDir === undefined ? [] : [mail.templateDir]),
    shippedTemplatesDir(),
  ];
  const options = { root, extname: "", cache: true };
  // Values are escaped in the HTML body only: a subject is plain text, where "&amp;" would show.
  const htmlEngine = new Liquid({ ...options, outputEscape: "escape" });
  const textEngine = new Liquid(options);
  return {
    async render(kind, context) {
      const scope = { ...mail.templateVariables, ...context };
      const subject = String(await textEngine.renderFile(mail.subjectTemplates[kind], scope));
      const html = String(await htmlEngine.renderFile(mail.bodyTemplates[kind], scope));
      return { subject: subject.replace(/\r?\n/g, " ").trim(), text: htmlToText(html), html };
    },
  };
}

/** Django's `strip_tags` (whitespace kept), then the escaped values read as typed. */
function htmlToText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ""));
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  // One pass, so "&amp;lt;" becomes "&lt;" and not "<".
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith("#")) {
      const isHex = name[1] === "x" || name[1] === "X";
      const codePoint = Number.parseInt(name.slice(isHex ? 2 : 1), isHex ? 16 : 10);
      return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
  });
}

/**
 * The shipped `templates/` directory at the project root. This file runs from `src/accounts/`
 * (tsx) and from `dist/src/accounts/` (after build), so walk up rather than count levels.
 */
export function shippedTemplatesDir(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, "templates");
    if (existsSync(join(candidate, "email"))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) throw new Error("The shipped templates/email directory is missing");
    directory = parent;
  }
}
