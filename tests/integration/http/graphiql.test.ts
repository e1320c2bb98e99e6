// GraphiQL (src/graphql/graphiql-page.ts, graphiql-assets.ts): off in production unless GRAPHIQL
// turns it on, and when on, a page whose scripts and styles all come from this server, each
// pinned by an integrity hash of the file it serves, cached for a year.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../../support/raw-http.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

const HTML = { accept: "text/html" };
const PRODUCTION = {
  NODE_ENV: "production",
  JWT_SECRET_KEY: "a-jwt-key-apart-from-the-secret-key-of-tests",
};

interface Reference {
  tag: string;
  url: string;
  integrity: string | undefined;
}

/** Every script src and stylesheet href of the page, with its integrity attribute. */
function referencesOf(html: string): Reference[] {
  const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
  return tags
    .map((tag) => ({
      tag,
      url: /\b(?:src|href)="([^"]*)"/.exec(tag)?.[1] ?? "",
      integrity: /\bintegrity="([^"]*)"/.exec(tag)?.[1],
    }))
    .filter((reference) => reference.url !== "");
}

function sha384(bytes: ArrayBuffer): string {
  return `sha384-${createHash("sha384").update(Buffer.from(bytes)).digest("base64")}`;
}

describe("GraphiQL in production", () => {
  it("is off by default: a browser opening /graphql gets the API's answer, no assets are served", async () => {
    const app = await startTestApp("sqlite", PRODUCTION);
    try {
      const page = await fetch(app.url, { headers: HTML });
      expect(page.status).toBe(400);
      expect(await page.json()).toEqual({ errors: [{ message: "Must provide query string." }] });
      const base = app.url.replace(/\/graphql$/, "");
      const asset = await fetch(`${base}/graphql/assets/react-18.3.1/react.production.min.js`);
      expect(asset.status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("is on when GRAPHIQL=true", async () => {
    const app = await startTestApp("sqlite", { ...PRODUCTION, GRAPHIQL: "true" });
    try {
      const page = await fetch(app.url, { headers: HTML });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Gatehouse GraphiQL");
    } finally {
      await app.close();
    }
  });
});

describe("the GraphiQL page and its assets", () => {
  let app: TestApp;
  let base: string;
  let references: Reference[];
  beforeAll(async () => {
    app = await startTestApp("sqlite");
    base = app.url.replace(/\/graphql$/, "");
    references = referencesOf(await (await fetch(app.url, { headers: HTML })).text());
  });
  afterAll(async () => {
    await app.close();
  });

  it("names only files of this server, each with a sha384 integrity hash, and no CDN", () => {
    expect(references.map((reference) => reference.url)).toEqual([
      expect.stringMatching(/^\/graphql\/assets\/graphiql-[\d.]+\/graphiql\.min\.css$/),
      expect.stringMatching(/^\/graphql\/assets\/react-18\.[\d.]+\/react\.production\.min\.js$/),
      expect.stringMatching(
        /^\/graphql\/assets\/react-dom-18\.[\d.]+\/react-dom\.production\.min\.js$/,
      ),
      expect.stringMatching(/^\/graphql\/assets\/graphiql-3\.[\d.]+\/graphiql\.min\.js$/),
    ]);
    for (const reference of references) {
      expect(reference.integrity, reference.tag).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    }
  });

  it("serves each file with its content type, for a year, with the bytes its hash names", async () => {
    for (const reference of references) {
      const response = await fetch(`${base}${reference.url}`);
      expect(response.status, reference.url).toBe(200);
      expect(response.headers.get("content-type"), reference.url).toBe(
        reference.url.endsWith(".css")
          ? "text/css; charset=utf-8"
          : "text/javascript; charset=utf-8",
      );
      expect(response.headers.get("cache-control"), reference.url).toBe(
        "public, max-age=31536000, immutable",
      );
      expect(response.headers.get("x-content-type-options"), reference.url).toBe("nosniff");
      expect(sha384(await response.arrayBuffer()), reference.url).toBe(reference.integrity);
    }
  });

  it("serves no other file, whatever the path asks for", async () => {
    const port = Number(new URL(app.url).port);
    for (const path of [
      "/graphql/assets/react-18.3.1/react.development.js",
      "/graphql/assets/graphiql-3.9.0/graphiql.min.js.map",
      "/graphql/assets/../../package.json",
      "/graphql/assets/%2e%2e/%2e%2e/package.json",
      "/graphql/assets/",
    ]) {
      const response = await rawRequest(port, { method: "GET", path, headers: [["Host", "x"]] });
      expect(response.kind === "answer" && response.status, path).toBe(404);
    }
  });

  it("keeps typed headers out of storage: shouldPersistHeaders is off", async () => {
    const html = await (await fetch(app.url, { headers: HTML })).text();
    expect(html).toContain("shouldPersistHeaders: false");
    expect(html).not.toContain("shouldPersistHeaders: true");
  });
});
