// Peak RSS of a child process, from /proc/<pid>/status. With `serve --workers` the child is a
// supervisor and its own children serve: each process's peak is tracked, and the figure is the
// largest one (the budget is per process).
import { readFileSync, writeFileSync } from "node:fs";

function readStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** `pid` and its child processes (a supervisor's workers; threads are not processes). */
export function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return [pid, ...children];
  } catch {
    return [pid];
  }
}

/** The largest current RSS among `pid` and its children, in bytes. */
export function currentRss(pid: number): number {
  return Math.max(...processTree(pid).map((each) => readStatusKb(each, "VmRSS"))) * 1024;
}

/** Resets the kernel's peak-RSS marks, then samples VmRSS; stop() returns the peak in bytes. */
export function watchRss(pid: number): { stop(): number } {
  const peaksKb = new Map<number, number>();
  const sample = () => {
    for (const each of processTree(pid))
      peaksKb.set(each, Math.max(peaksKb.get(each) ?? 0, readStatusKb(each, "VmRSS")));
  };
  for (const each of processTree(pid)) {
    try {
      writeFileSync(`/proc/${each}/clear_refs`, "5");
    } catch {
      // Not allowed here: the sampled maximum still holds.
    }
  }
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      sample();
      for (const each of peaksKb.keys())
        peaksKb.set(each, Math.max(peaksKb.get(each) ?? 0, readStatusKb(each, "VmHWM")));
      return Math.max(0, ...peaksKb.values()) * 1024;
    },
  };
}
