// The stored form of the random secrets handed to clients (refresh tokens, admin sessions): only
// a SHA-256 digest is kept (SPEC §2.4 [FIX]), so a leaked table gives no usable token. The secrets
// are random and long, so a fast digest suffices; a slow password hash would add nothing.
import { createHash } from "node:crypto";

export function digestSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
