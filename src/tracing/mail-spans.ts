// A `mail send` span around each delivery, in the trace of the request that sends it. Only the
// transport and how many recipients: addresses, subjects and bodies are the user's data.
import type { Tracer } from "@opentelemetry/api";
import type { MailTransportConfig } from "../config/config.js";
import type { MailTransport } from "../mail/mailer.js";
import { inSpan } from "./spans.js";

export function withMailSpans(
  transport: MailTransport,
  kind: MailTransportConfig["kind"],
  tracer: Tracer | undefined,
): MailTransport {
  if (tracer === undefined) return transport;
  return {
    send: (message) =>
      inSpan(
        tracer,
        "mail send",
        { "gatehouse.mail.transport": kind, "gatehouse.mail.recipients": message.to.length },
        () => transport.send(message),
      ),
    close: () => transport.close(),
  };
}
