// The refresh tokens phase: django-graphql-jwt keeps its long-running refresh tokens in clear
// (refresh_token_refreshtoken.token, 40 hex characters); here only their SHA-256 digest and
// first 8 characters are stored, as for ours (tokens/secrets.ts). A token still valid in Django
// therefore refreshes once here and then rotates as ours do (tokens/refresh-tokens.ts); a
// revoked one stays revoked, with Django's time. A later run revokes what Django revoked since.
import type { Db } from "../../db/database.js";
import { digestSecret } from "../tokens/secrets.js";
import type { SourceRow } from "./django-source-store.js";
import type { ImportContext, PhaseHandler } from "./import-context.js";
import {
  findMappings,
  findUserMappings,
  insertMappings,
  updateMapping,
} from "./import-state-store.js";
import {
  findStoredDigests,
  insertRefreshTokens,
  revokeRefreshTokenByDigest,
  type ImportedRefreshToken,
} from "./imported-history-store.js";

const LIVE = "live";
const REVOKED = "revoked";

interface SourceToken {
  id: number;
  userId: number;
  digest: string;
  prefix: string;
  created: Date;
  revoked: Date | null;
}

export const refreshTokensPhase: PhaseHandler<SourceToken[]> = {
  prepare: (_context, rows) => Promise.resolve(rows.map(toSourceToken)),
  apply: applyTokens,
};

function toSourceToken(row: SourceRow): SourceToken {
  const token = typeof row.token === "string" ? row.token : "";
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    digest: digestSecret(token),
    prefix: token.slice(0, 8),
    created: row.created as Date,
    revoked: (row.revoked as Date | null | undefined) ?? null,
  };
}

async function applyTokens(context: ImportContext, db: Db, tokens: SourceToken[]): Promise<void> {
  const { recorder } = context;
  const mappings = await findMappings(
    db,
    "refresh_token",
    tokens.map((token) => token.id),
  );
  const users = await findUserMappings(db, [...new Set(tokens.map((token) => token.userId))]);
  const stored = await findStoredDigests(
    db,
    tokens.map((token) => token.digest),
  );
  const fresh: (SourceToken & { ourUserId: number })[] = [];
  const freshDigests = new Set<string>();
  for (const token of tokens) {
    const mapping = mappings.get(token.id);
    if (mapping !== undefined) {
      if (token.revoked === null || mapping.digests === REVOKED) {
        recorder.count("refresh_tokens", "unchanged");
        continue;
      }
      recorder.count("refresh_tokens", "updated");
      if (context.isDryRun) continue;
      await revokeRefreshTokenByDigest(db, token.digest, token.revoked);
      await updateMapping(db, "refresh_token", { ...mapping, digests: REVOKED });
      continue;
    }
    const user = users.get(token.userId);
    const wouldImport =
      context.isDryRun && user === undefined && !context.skippedUsers.has(token.userId);
    if (!wouldImport && (user === undefined || !user.isPresent)) {
      recorder.skip("refresh_tokens", token.id, "its user was not imported");
    } else if (stored.has(token.digest) || freshDigests.has(token.digest)) {
      recorder.skip("refresh_tokens", token.id, "the same token is already stored here");
    } else {
      fresh.push({ ...token, ourUserId: user?.ourId ?? 0 });
      freshDigests.add(token.digest);
    }
  }
  recorder.count("refresh_tokens", "inserted", fresh.length);
  if (context.isDryRun || fresh.length === 0) return;
  const ids = await insertRefreshTokens(
    db,
    fresh.map((token): ImportedRefreshToken => ({
      userId: token.ourUserId,
      digest: token.digest,
      prefix: token.prefix,
      created: token.created,
      revoked: token.revoked,
    })),
  );
  await insertMappings(
    db,
    "refresh_token",
    fresh.map((token) => ({
      djangoId: token.id,
      ourId: ids.get(token.digest) ?? 0,
      layout: 0,
      digests: token.revoked === null ? LIVE : REVOKED,
    })),
  );
}
