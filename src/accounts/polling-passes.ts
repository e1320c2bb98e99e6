// The loop of a background worker (the mail outbox, webhook deliveries): a pass every interval and
// on request (after a commit that queued work), never two passes at once, one more pass when one
// was asked for during a pass, and a stop that waits for the pass under way.

export interface PollingPasses {
  start(): void;
  /** Runs a pass now, or right after the one under way. */
  nudge(): void;
  stop(): Promise<void>;
}

export function pollingPasses(
  pass: () => Promise<unknown>,
  options: { intervalMs: number; onError: (error: unknown) => void },
): PollingPasses {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let isStopped = true;
  let wantsAnotherPass = false;

  function runPass(): void {
    if (running !== undefined) {
      wantsAnotherPass = true;
      return;
    }
    running = pass()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (wantsAnotherPass && !isStopped) {
          wantsAnotherPass = false;
          runPass();
        }
      });
  }

  return {
    start() {
      if (!isStopped) return;
      isStopped = false;
      timer = setInterval(runPass, options.intervalMs);
      timer.unref();
      runPass();
    },
    nudge() {
      if (!isStopped) runPass();
    },
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running;
    },
  };
}
