// GraphiQL for browsers that open /graphql (SPEC §3.1), with the header editor enabled so a
// developer can send `Authorization: JWT <token>`. The page's scripts come from a public CDN,
// as the reference's do; the API itself never depends on them.
const GRAPHIQL_VERSION = "3.8.3";
const REACT_VERSION = "18.3.1";
const CDN = "https://unpkg.com";

/**
 * The page's Content-Security-Policy: only the scripts this page names run (each carries the
 * request's nonce, the CDN ones too, so no other unpkg package could), styles from the CDN plus
 * the inline ones React and CodeMirror set, fonts and icons as data: URIs (graphiql.min.css
 * inlines them), requests to this origin only, and no framing.
 */
export function graphiqlContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${CDN} 'unsafe-inline'`,
    "font-src data:",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * The page, carrying the CSRF token that lets a logged-in admin session act here (SPEC §3.2), and
 * the nonce of its Content-Security-Policy (graphiqlContentSecurityPolicy).
 */
export function graphiqlPage(csrfToken: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="${CDN}/graphiql@${GRAPHIQL_VERSION}/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script nonce="${nonce}" crossorigin src="${CDN}/react@${REACT_VERSION}/umd/react.production.min.js"></script>
  <script nonce="${nonce}" crossorigin src="${CDN}/react-dom@${REACT_VERSION}/umd/react-dom.production.min.js"></script>
  <script nonce="${nonce}" crossorigin src="${CDN}/graphiql@${GRAPHIQL_VERSION}/graphiql.min.js"></script>
  <script nonce="${nonce}">
    const fetcher = GraphiQL.createFetcher({
      url: window.location.pathname,
      headers: { "X-CSRFToken": ${JSON.stringify(csrfToken).replace(/</g, "\\u003c")} },
    });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, isHeadersEditorEnabled: true, shouldPersistHeaders: true }),
    );
  </script>
</body>
</html>`;
}
