// Peak RSS and CPU time of a child process, from /proc. With `serve --workers` the child is a
// supervisor and its own children serve: each process's peak is tracked, and the figure is the
// largest one (the budget is per process); CPU time is the sum over them.
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

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of one process, all its threads, in seconds (0 once it has exited). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds `pid` and its children spend from now until stop(). Unlike req/s, a request's CPU
 * cost does not depend on what else the machine runs meanwhile (the load generator, a noisy
 * neighbour), so it shows a change in the server's own cost when req/s is too noisy to.
 */
export function watchCpu(pid: number): { stop(): number } {
  const total = () => processTree(pid).reduce((sum, each) => sum + cpuSeconds(each), 0);
  const start = total();
  return { stop: () => total() - start };
}
