// An in-process SMTP server that accepts and counts the mail Gatehouse's outbox delivers.
import { SMTPServer } from "smtp-server";
import { freePort } from "./processes.js";

export interface SmtpSink {
  port: number;
  /** Messages received so far. */
  mails(): number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let mails = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      stream.on("end", () => {
        mails++;
        callback();
      });
      stream.resume();
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => smtp.listen(port, "127.0.0.1", resolve));
  return {
    port,
    mails: () => mails,
    close: () =>
      new Promise<void>((resolve) => {
        smtp.close(() => {
          resolve();
        });
      }),
  };
}
