// What a receiver's address may be: http(s) only, with no credentials (the signature
// authenticates Gatehouse, and a password in a URL ends up in logs), and https in production.
export function receiverUrlProblem(text: string, allowPlainHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http(s) URL";
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.protocol === "http:" && !allowPlainHttp) return "must be https in production";
  return undefined;
}
