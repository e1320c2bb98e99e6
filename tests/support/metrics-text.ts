// Reads Prometheus' text format as a scraper would: one sample per line, `name{labels} value`.
import type { TestApp } from "./test-app.js";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = SAMPLE_LINE.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? "").matchAll(LABEL)].map((label) => [label[1], label[2]]),
      ) as Record<string, string>;
      return { name: match[1] ?? "", labels, value: Number(match[3]) };
    });
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${String(found.length)} samples of ${name} match`);
  return found[0]?.value;
}

/** The distinct values a label takes across the samples of `name`. */
export function labelValues(samples: readonly Sample[], name: string, label: string): string[] {
  return [
    ...new Set(
      samples.filter((sample) => sample.name === name).map((sample) => sample.labels[label]),
    ),
  ].filter((value) => value !== undefined);
}

/** GET /metrics over HTTP, as Prometheus scrapes it. */
export async function scrape(
  app: TestApp,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; text: string; headers: Headers }> {
  const response = await fetch(new URL("/metrics", app.url), { headers });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
    headers: response.headers,
  };
}
