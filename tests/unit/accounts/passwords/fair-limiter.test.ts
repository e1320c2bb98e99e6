import { describe, expect, it } from "vitest";
import { createFairLimiter } from "../../../../src/accounts/passwords/fair-limiter.js";

/** A task that finishes when the test says so, recording when it started. */
function controlledTask(started: string[], name: string) {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => {
      finish();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("createFairLimiter", () => {
  it("runs at most the given number of tasks at once", async () => {
    const limiter = createFairLimiter(2);
    const started: string[] = [];
    const tasks = ["a1", "a2", "a3"].map((name) => controlledTask(started, name));
    const results = tasks.map((task) => limiter.run("a", task.run));
    await settle();
    expect(started).toEqual(["a1", "a2"]);
    tasks[0]?.finish();
    await settle();
    expect(started).toEqual(["a1", "a2", "a3"]);
    for (const task of tasks) task.finish();
    expect(await Promise.all(results)).toEqual(["a1", "a2", "a3"]);
  });

  it("lets a caller who arrives behind another's burst go next, not after the whole burst", async () => {
    const limiter = createFairLimiter(1);
    const started: string[] = [];
    const burst = ["a1", "a2", "a3", "a4"].map((name) => controlledTask(started, name));
    const late = controlledTask(started, "b1");
    const results = [
      ...burst.map((task) => limiter.run("attacker", task.run)),
      limiter.run("victim", late.run),
    ];
    for (const task of [...burst, late]) {
      await settle();
      task.finish();
    }
    await Promise.all(results);
    expect(started).toEqual(["a1", "a2", "b1", "a3", "a4"]);
  });

  it("keeps each caller's own tasks in arrival order", async () => {
    const limiter = createFairLimiter(1);
    const order: string[] = [];
    await Promise.all(
      ["x1", "y1", "x2", "y2", "x3"].map((name) =>
        limiter.run(name.charAt(0), () => {
          order.push(name);
          return Promise.resolve();
        }),
      ),
    );
    expect(order.filter((name) => name.startsWith("x"))).toEqual(["x1", "x2", "x3"]);
    expect(order.filter((name) => name.startsWith("y"))).toEqual(["y1", "y2"]);
  });

  it("frees the slot when a task fails", async () => {
    const limiter = createFairLimiter(1);
    await expect(limiter.run("a", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run("a", () => Promise.resolve("next"))).toBe("next");
  });
});
