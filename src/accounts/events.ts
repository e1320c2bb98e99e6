// SPEC §8: the reference's signals, as typed in-process events. Listeners run after the change
// has committed; a failing listener is logged, never turned into a failed request.
import type { Logger } from "pino";
import type { SignInFailureMethod, SignInMethod, User } from "./types.js";

export interface AccountEventMap {
  user_registered: { user: User };
  user_verified: { user: User };
  token_issued: { user: User };
  token_refreshed: { user: User };
  refresh_token_rotated: { userId: number; oldTokenId: number; newTokenId: number };
  refresh_token_revoked: { userId: number; tokenId: number | null };
  /** Django's signal of the same name: a session opened, through the API or the admin site. */
  user_logged_in: { user: User; method: SignInMethod };
  user_login_failed: { identifier: string; method: SignInFailureMethod };
}

export type AccountEventName = keyof AccountEventMap;
type Listener<E extends AccountEventName> = (data: AccountEventMap[E]) => void | Promise<void>;

export interface AccountEvents {
  on<E extends AccountEventName>(event: E, listener: Listener<E>): () => void;
  emit<E extends AccountEventName>(event: E, data: AccountEventMap[E]): void;
}

export function createAccountEvents(log: Pick<Logger, "debug" | "error">): AccountEvents {
  const listeners = new Map<AccountEventName, Set<Listener<never>>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(event, data) {
      log.debug({ event }, "account event");
      for (const listener of listeners.get(event) ?? []) {
        Promise.resolve()
          .then(() => (listener as Listener<typeof event>)(data))
          .catch((error: unknown) => {
            log.error({ err: error, event }, "account event listener failed");
          });
      }
    },
  };
}
