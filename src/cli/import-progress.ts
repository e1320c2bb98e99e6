// Progress of `gatehouse import-django` on stderr: a bar per phase on a terminal (cli-progress,
// docs/decisions/0008-import-progress-bar.md), otherwise a line when a phase starts, after its
// first batch, every few seconds and when it ends, each with the rate in rows per second.
import cliProgress from "cli-progress";
import type { ImportProgress } from "../accounts/import/report.js";

const LINE_INTERVAL_MS = 5_000;

export interface ProgressRenderer {
  update(progress: ImportProgress): void;
  stop(): void;
}

function rate(progress: ImportProgress): number {
  return progress.elapsedMs > 0 ? Math.round((progress.done * 1000) / progress.elapsedMs) : 0;
}

const number = (value: number) => value.toLocaleString("en-US");

export function progressRenderer(stream: NodeJS.WriteStream = process.stderr): ProgressRenderer {
  return stream.isTTY ? barRenderer(stream) : lineRenderer(stream);
}

function barRenderer(stream: NodeJS.WriteStream): ProgressRenderer {
  let bar: cliProgress.SingleBar | undefined;
  let phase: string | undefined;
  return {
    update(progress) {
      if (progress.phase !== phase) {
        bar?.stop();
        bar = undefined;
        phase = progress.phase;
        // An empty table has nothing to show (and no ETA to compute).
        if (progress.total === 0) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${progress.phase.padEnd(14)} [{bar}] {percentage}% | {value}/{total} | {rate} rows/s | ETA {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(progress.total, 0, { rate: 0 });
      }
      bar?.setTotal(Math.max(progress.total, progress.done));
      bar?.update(progress.done, { rate: number(rate(progress)) });
    },
    stop() {
      bar?.stop();
    },
  };
}

function lineRenderer(stream: NodeJS.WritableStream): ProgressRenderer {
  let phase: string | undefined;
  let lastLineAt = 0;
  let batches = 0;
  return {
    update(progress) {
      if (progress.phase !== phase) {
        phase = progress.phase;
        batches = 0;
        stream.write(`import-django: ${progress.phase}: ${number(progress.total)} rows to read\n`);
        lastLineAt = Date.now();
        return;
      }
      batches += 1;
      const isEnd = progress.done >= progress.total;
      if (batches > 1 && !isEnd && Date.now() - lastLineAt < LINE_INTERVAL_MS) return;
      lastLineAt = Date.now();
      const percent = progress.total > 0 ? Math.floor((progress.done * 100) / progress.total) : 100;
      stream.write(
        `import-django: ${progress.phase}: ${number(progress.done)}/${number(progress.total)} (${String(percent)}%), ${number(rate(progress))} rows/s\n`,
      );
    },
    stop() {
      // Lines need no closing.
    },
  };
}
