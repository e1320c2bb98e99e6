// `gatehouse webhooks prune`: every change an active subscription receives leaves an event row;
// once delivered, it is kept only as long as an operator may want to look back.
import type { Command } from "commander";
import { pruneDeliveredEvents } from "../accounts/webhooks/subscriptions.js";
import { parseDurationSeconds } from "../config/durations.js";
import { fail } from "./fail.js";
import { withDeps } from "./with-deps.js";

export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command("webhooks").description("maintain the webhook outbox");
  webhooks
    .command("prune")
    .description("delete events every subscriber received (pending and failed ones stay)")
    .option("--older-than <duration>", "keep what is younger (seconds, or 12h, 30d)", "30d")
    .action(async (options: { olderThan: string }) => {
      const seconds = parseDurationSeconds(options.olderThan);
      if (seconds === undefined) {
        fail(`--older-than: "${options.olderThan}" is not a duration (e.g. 86400, 12h, 30d)`);
      }
      await withDeps(async (deps) => {
        const deleted = await pruneDeliveredEvents(deps, seconds);
        console.log(`Deleted ${String(deleted)} delivered webhook event(s).`);
      });
    });
}
