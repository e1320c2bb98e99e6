// Peak RSS of a child process, from /proc/<pid>/status.
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

/** Resets the kernel's peak-RSS mark, then samples VmRSS; stop() returns the peak in bytes. */
export function watchRss(pid: number): { stop(): number } {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not allowed here: the sampled maximum still holds.
  }
  let peakKb = readStatusKb(pid, "VmRSS");
  const timer = setInterval(() => {
    peakKb = Math.max(peakKb, readStatusKb(pid, "VmRSS"));
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peakKb, readStatusKb(pid, "VmHWM"), readStatusKb(pid, "VmRSS")) * 1024;
    },
  };
}
