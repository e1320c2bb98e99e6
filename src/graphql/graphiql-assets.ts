// GraphiQL's browser files, served by this server from the npm packages installed with it
// (docs/decisions/0005-graphiql-assets.md): no CDN, so the page works offline and no other host
// can change what runs on a page that carries the admin's CSRF token. Each file is read once at
// start, and its sha384 goes into the page as Subresource Integrity, so a file changed on disk
// after start is refused by the browser rather than run. URLs name the package version, so a
// browser may keep them for a year: an upgrade changes the URL.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";

export const GRAPHIQL_ASSETS_PATH = "/graphql/assets/";

const JAVASCRIPT = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const ONE_YEAR_SECONDS = 365 * 86_400;

// The builds made for a <script> tag: React 18's UMD files (React 19 ships none) and GraphiQL
// 3's, which expects the globals React and ReactDOM.
const SOURCES = {
  react: { packageName: "react", file: "umd/react.production.min.js", contentType: JAVASCRIPT },
  reactDom: {
    packageName: "react-dom",
    file: "umd/react-dom.production.min.js",
    contentType: JAVASCRIPT,
  },
  graphiql: { packageName: "graphiql", file: "graphiql.min.js", contentType: JAVASCRIPT },
  graphiqlStyles: { packageName: "graphiql", file: "graphiql.min.css", contentType: CSS },
} as const;

export interface GraphiqlAsset {
  /** Absolute path on this server. */
  url: string;
  /** The value of the integrity attribute: `sha384-…`. */
  integrity: string;
  contentType: string;
  body: Buffer;
}

export type GraphiqlAssets = Record<keyof typeof SOURCES, GraphiqlAsset>;

/** Reads the files from node_modules; throws at start, not per page, when one is missing. */
export function loadGraphiqlAssets(): GraphiqlAssets {
  const require = createRequire(import.meta.url);
  const load = (source: (typeof SOURCES)[keyof typeof SOURCES]): GraphiqlAsset => {
    // graphiql's "exports" hide its UMD files; every package exports its package.json.
    const manifestPath = require.resolve(`${source.packageName}/package.json`);
    const { version } = JSON.parse(readFileSync(manifestPath, "utf8")) as { version: string };
    const body = readFileSync(join(dirname(manifestPath), source.file));
    return {
      url: `${GRAPHIQL_ASSETS_PATH}${source.packageName}-${version}/${basename(source.file)}`,
      integrity: `sha384-${createHash("sha384").update(body).digest("base64")}`,
      contentType: source.contentType,
      body,
    };
  };
  return {
    react: load(SOURCES.react),
    reactDom: load(SOURCES.reactDom),
    graphiql: load(SOURCES.graphiql),
    graphiqlStyles: load(SOURCES.graphiqlStyles),
  };
}

/** One fixed route per file: no path from the request ever reaches the file system. */
export function registerGraphiqlAssets(app: FastifyInstance, assets: GraphiqlAssets): void {
  for (const asset of Object.values(assets)) {
    app.get(asset.url, (_request, reply) =>
      reply
        .type(asset.contentType)
        .header("cache-control", `public, max-age=${ONE_YEAR_SECONDS}, immutable`)
        .send(asset.body),
    );
  }
}
