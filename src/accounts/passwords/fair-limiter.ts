// Password hashing is the scarcest resource of the server: a few hashes at a time saturate the
// cores. Waiting hashes queue per caller (the client's IP) and callers take turns, so one caller's
// burst of sign-ins or password checks delays its own later attempts, not everyone else's.

export interface FairLimiter {
  /** Runs `task` once a slot is free and it is `caller`'s turn. */
  run<T>(caller: string, task: () => Promise<T>): Promise<T>;
}

export function createFairLimiter(maxConcurrent: number): FairLimiter {
  const slots = Math.max(1, Math.floor(maxConcurrent));
  let running = 0;
  // Insertion order is the turn order: a caller goes to the back once served, and is dropped
  // when it has nothing left waiting.
  const queues = new Map<string, (() => void)[]>();

  const nextWaiter = (): (() => void) | undefined => {
    for (const [caller, queue] of queues) {
      queues.delete(caller);
      const waiter = queue.shift();
      if (queue.length > 0) queues.set(caller, queue);
      if (waiter !== undefined) return waiter;
    }
    return undefined;
  };

  return {
    async run<T>(caller: string, task: () => Promise<T>): Promise<T> {
      if (running < slots) running++;
      else {
        // A finishing task hands its slot straight to the next waiter, so `running` stays counted.
        await new Promise<void>((resolve) => {
          const queue = queues.get(caller);
          if (queue === undefined) queues.set(caller, [resolve]);
          else queue.push(resolve);
        });
      }
      try {
        return await task();
      } finally {
        const next = nextWaiter();
        if (next === undefined) running--;
        else next();
      }
    },
  };
}
