// GraphiQL for browsers that open /graphql (SPEC §3.1), with the header editor enabled so a
// developer can send `Authorization: JWT <token>`. The page's scripts come from a public CDN,
// as the reference's do; the API itself never depends on them.
const GRAPHIQL_VERSION = "3.8.3";
const REACT_VERSION = "18.3.1";

/** The page, carrying the CSRF token that lets a logged-in admin session act here (SPEC §3.2). */
export function graphiqlPage(csrfToken: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@${GRAPHIQL_VERSION}/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@${REACT_VERSION}/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@${REACT_VERSION}/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@${GRAPHIQL_VERSION}/graphiql.min.js"></script>
  <script>
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
