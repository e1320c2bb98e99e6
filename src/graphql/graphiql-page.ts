// GraphiQL for browsers that open /graphql (SPEC §3.1), with the header editor enabled so a
// developer can send `Authorization: JWT <token>`. Its scripts and styles come from this server
// (graphiql-assets.ts), each pinned by its integrity hash; the API itself never depends on them.
import { GRAPHIQL_ASSETS_PATH, type GraphiqlAssets } from "./graphiql-assets.js";

/**
 * The page's Content-Security-Policy: only the scripts this page names run (each carries the
 * request's nonce), styles from this server plus the inline ones React and CodeMirror set, fonts
 * and icons as data: URIs (graphiql.min.css inlines them), requests to this origin only, and no
 * framing. No 'unsafe-eval': GraphiQL 3 runs without it.
 */
export function graphiqlContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "font-src data:",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/** For a JSON value inside an inline script: `</script>` cannot end the script early. */
function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * The page, carrying the CSRF token that lets a logged-in admin session act here (SPEC §3.2), and
 * the nonce of its Content-Security-Policy (graphiqlContentSecurityPolicy).
 *
 * Headers typed in the editor are kept out of storage: they hold JWTs, and localStorage keeps
 * them for any script of this origin long after the tab is closed. shouldPersistHeaders: false
 * is not enough, as GraphiQL 3 still stores each query of its history with its headers; so its
 * storage goes through a wrapper that drops every `headers` value before it is written, and
 * scrubs on load what earlier pages of ours stored (they persisted headers). When a script did
 * not load (a proxy dropped it, its hash no longer matches), the page says so instead of staying
 * on "Loading…".
 */
export function graphiqlPage(csrfToken: string, nonce: string, assets: GraphiqlAssets): string {
  const script = (asset: GraphiqlAssets[keyof GraphiqlAssets]) =>
    `<script nonce="${nonce}" src="${asset.url}" integrity="${asset.integrity}"></script>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; } .graphiql-failed { padding: 1rem; font: 1rem/1.5 system-ui, sans-serif; }</style>
  <link rel="stylesheet" href="${assets.graphiqlStyles.url}" integrity="${assets.graphiqlStyles.integrity}">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  ${script(assets.react)}
  ${script(assets.reactDom)}
  ${script(assets.graphiql)}
  <script nonce="${nonce}">
    const root = document.getElementById("graphiql");
    if (typeof React === "undefined" || typeof ReactDOM === "undefined" || typeof GraphiQL === "undefined") {
      root.className = "graphiql-failed";
      root.setAttribute("role", "alert");
      root.textContent = "GraphiQL could not start: its scripts did not load from " +
        ${scriptLiteral(GRAPHIQL_ASSETS_PATH)} + ". Reload the page; if this stays, the " +
        "browser console says why. The GraphQL API itself is not affected.";
    } else {
      const ours = (key) => key.startsWith("graphiql:");
      const withoutHeaders = (value) => {
        try {
          return JSON.stringify(JSON.parse(value), (name, item) => (name === "headers" ? null : item));
        } catch {
          return value;
        }
      };
      let storage = {
        getItem: (key) => localStorage.getItem(key),
        setItem: (key, value) => {
          if (key === "graphiql:headers") localStorage.removeItem(key);
          else localStorage.setItem(key, withoutHeaders(value));
        },
        removeItem: (key) => localStorage.removeItem(key),
        clear: () => Object.keys(localStorage).filter(ours).forEach((key) => localStorage.removeItem(key)),
        get length() {
          return Object.keys(localStorage).filter(ours).length;
        },
      };
      try {
        for (const key of Object.keys(localStorage).filter(ours)) storage.setItem(key, localStorage.getItem(key));
      } catch {
        storage = null; // Storage blocked by the browser's settings: GraphiQL then keeps nothing.
      }
      const fetcher = GraphiQL.createFetcher({
        url: window.location.pathname,
        headers: { "X-CSRFToken": ${scriptLiteral(csrfToken)} },
      });
      ReactDOM.createRoot(root).render(
        React.createElement(GraphiQL, { fetcher, storage, isHeadersEditorEnabled: true, shouldPersistHeaders: false }),
      );
    }
  </script>
</body>
</html>`;
}
