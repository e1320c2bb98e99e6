// GET /: a small page for whoever opens the server's address in a browser, pointing to the
// GraphQL endpoint (and GraphiQL when it is on) and the admin. It runs no script, and its one
// inline style block is allowed by its hash alone.
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/config.js";

const STYLE =
  "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa}" +
  "main{max-width:36rem;margin:3rem auto;padding:0 1.25rem}" +
  "h1{font-size:1.5rem;margin:0 0 .5rem}a{color:#2f6f8f}li{margin:.35rem 0}" +
  "code{background:#fff;border:1px solid #d9e2ec;border-radius:4px;padding:0 .25rem}";

/** The page's policy: nothing but its own style block and the admin's icon. */
export const HOME_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "img-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

function homePage(config: Config): string {
  const graphql = config.http.graphiql
    ? `<li><a href="/graphql">GraphiQL</a>: explore and try the GraphQL API at <code>/graphql</code> in this browser</li>`
    : `<li>The GraphQL API answers <code>POST /graphql</code> (GraphiQL is off)</li>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse</title>
  <link rel="icon" href="/admin/static/favicon.svg" type="image/svg+xml">
  <style>${STYLE}</style>
</head>
<body>
  <main>
    <h1>Gatehouse</h1>
    <p>User accounts and authentication: a GraphQL API for clients of django-graphql-auth.</p>
    <ul>
      ${graphql}
      <li><a href="/admin/">Administration</a>: users, statuses, refresh tokens and groups, for staff</li>
      <li><a href="/healthz"><code>/healthz</code></a> and <a href="/readyz"><code>/readyz</code></a>: liveness and readiness</li>
    </ul>
  </main>
</body>
</html>
`;
}

export function registerHomePage(app: FastifyInstance, config: Config): void {
  const html = homePage(config);
  app.get("/", (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", HOME_CONTENT_SECURITY_POLICY)
      .send(html),
  );
}
