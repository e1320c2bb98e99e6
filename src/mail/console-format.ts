// How the console transport shows a message: the headers a reader looks for, then the text part
// as written, with every link whole on a line of its own, so it can be clicked or copied from a
// terminal. The raw MIME form (quoted-printable, with `=` soft breaks inside long links) is what
// SMTP receives; nobody can use it in a terminal.
import { randomUUID } from "node:crypto";
import type { MailMessage } from "./mailer.js";

/** Django's console backend ends each message with a line of 79 dashes. */
export const CONSOLE_SEPARATOR = "-".repeat(79);

const LINK = /https?:\/\/[^\s<>"']+/g;

/** RFC 5322's date form, in UTC: `Tue, 01 Dec 2026 10:00:00 +0000`. */
function mailDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

/** A Message-ID as nodemailer would make one when the caller gave none. */
function newMessageId(from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "localhost";
  return `<${randomUUID()}@${domain}>`;
}

/** Each line that holds a link and other words is split so that the link stands alone. */
function linksOnTheirOwnLines(text: string): string {
  return text
    .split("\n")
    .flatMap((line) => {
      const links = line.match(LINK);
      if (links === null || line.trim() === links.join(" ")) return [line];
      return line
        .split(/(https?:\/\/[^\s<>"']+)/)
        .map((part) => part.trim())
        .filter((part) => part !== "");
    })
    .join("\n");
}

/** Links of the HTML part (an `href` the text part does not show), listed after the text. */
function linksOnlyInHtml(message: MailMessage): string[] {
  const hrefs = [...message.html.matchAll(/href\s*=\s*["']([^"']+)["']/gi)]
    .map((match) => (match[1] ?? "").replace(/&amp;/g, "&"))
    .filter((href) => /^https?:\/\//.test(href));
  return [...new Set(hrefs)].filter((href) => !message.text.includes(href));
}

export function formatConsoleMail(message: MailMessage, now: Date): string {
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to.join(", ")}`,
    `Subject: ${message.subject}`,
    `Date: ${mailDate(now)}`,
    `Message-ID: ${message.messageId ?? newMessageId(message.from)}`,
  ];
  const extraLinks = linksOnlyInHtml(message);
  const body = linksOnTheirOwnLines(message.text.replace(/\r\n/g, "\n")).trim();
  return [
    ...headers,
    "",
    body,
    ...(extraLinks.length === 0 ? [] : ["", "Links:", ...extraLinks]),
    CONSOLE_SEPARATOR,
    "",
  ].join("\n");
}
