// `gatehouse keys list | rotate | prune`: the JWT signing keys Gatehouse generated and stored
// (JWT_ALGORITHM RS*/ES*/EdDSA without JWT_PRIVATE_KEY). Keys from the configuration or the HS
// secret are rotated by changing the configuration, so these commands refuse and say so.
import type { Command } from "commander";
import {
  pruneSigningKeys,
  rotateSigningKey,
  signingKeyStatuses,
  type KeyStatus,
} from "../accounts/tokens/signing-key-rotation.js";
import {
  DEFAULT_ACTIVATION_DELAY_SECONDS,
  JWKS_MAX_AGE_SECONDS,
  KEY_REFRESH_INTERVAL_MS,
  isAsymmetric,
} from "../accounts/tokens/signing-keys.js";
import type { Config } from "../config/config.js";
import { parseDurationSeconds } from "../config/durations.js";
import { fail } from "./fail.js";
import { withDeps } from "./with-deps.js";

function refuseUnlessStored(config: Config): void {
  if (!isAsymmetric(config.jwt.algorithm)) {
    fail(
      `JWT_ALGORITHM is ${config.jwt.algorithm}: tokens are signed with JWT_SECRET_KEY, which is changed in the configuration, not rotated here`,
    );
  }
  if (config.jwt.privateKey !== undefined) {
    fail(
      "JWT_PRIVATE_KEY is set: the configuration holds the signing key; unset it to let Gatehouse generate, store and rotate keys",
    );
  }
}

function describe(key: KeyStatus): string {
  const when =
    key.state === "pending"
      ? `signs from ${key.activatesAt.toISOString()}`
      : key.removableAt === undefined
        ? ""
        : `removable from ${key.removableAt.toISOString()}`;
  return [key.kid, key.algorithm, key.state, when].filter((part) => part !== "").join("  ");
}

export function registerKeyCommands(program: Command): void {
  const keys = program
    .command("keys")
    .description("list, rotate and prune the JWT signing keys Gatehouse stores");

  keys
    .command("list")
    .description("show every stored key: pending, current, previous or expired")
    .action(async () => {
      await withDeps(async (deps, config) => {
        refuseUnlessStored(config);
        const statuses = await signingKeyStatuses(deps);
        console.log(
          statuses.length === 0
            ? "No stored keys yet: the server makes the first one when it starts."
            : statuses.map(describe).join("\n"),
        );
      });
    });

  keys
    .command("rotate")
    .description("add a new signing key, published at once and signing after --activate-in")
    .option(
      "--activate-in <duration>",
      "how long the new key is only published before it signs (seconds, or 10m, 1h)",
      `${String(DEFAULT_ACTIVATION_DELAY_SECONDS / 60)}m`,
    )
    .action(async (options: { activateIn: string }) => {
      const activateInSeconds = parseDurationSeconds(options.activateIn);
      if (activateInSeconds === undefined) {
        fail(`--activate-in: "${options.activateIn}" is not a duration (e.g. 600, 10m, 1h)`);
      }
      await withDeps(async (deps, config) => {
        refuseUnlessStored(config);
        const key = await rotateSigningKey(deps, activateInSeconds);
        console.log(
          `New key ${key.kid} (${key.algorithm}) signs from ${key.activatesAt.toISOString()}.`,
        );
        const safeSeconds = JWKS_MAX_AGE_SECONDS + KEY_REFRESH_INTERVAL_MS / 1000;
        if (activateInSeconds < safeSeconds) {
          console.log(
            `Note: under ${String(safeSeconds)} s, a verifier holding a cached JWKS, or a server process that has not reread the keys, may meet a token signed with it before it knows the key.`,
          );
        }
        console.log(
          "The previous key keeps verifying; run `gatehouse keys prune` once its tokens have expired.",
        );
      });
    });

  keys
    .command("prune")
    .description("delete the keys whose every token has expired")
    .action(async () => {
      await withDeps(async (deps, config) => {
        refuseUnlessStored(config);
        if (!config.jwt.verifyExpiration) {
          fail(
            "JWT_VERIFY_EXPIRATION is false: tokens never expire, so no key can be removed without refusing tokens still in use",
          );
        }
        const removed = await pruneSigningKeys(deps);
        console.log(
          removed.length === 0 ? "No key can be removed yet." : `Removed: ${removed.join(", ")}`,
        );
      });
    });
}
