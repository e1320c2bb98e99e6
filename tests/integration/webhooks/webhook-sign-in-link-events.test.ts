// Sign-in links in webhooks and metrics: a link that signs in says so, and a link refused — one
// retired by a newer link, one presented again after use (it may have been read by someone else),
// an expired or forged one — is a refused sign-in, of the link's user when the link was ours.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByUsername } from "../../../src/accounts/users-store.js";
import { aVerifiedUser } from "../../support/builders.js";
import { startTestApp, testDatabases, type TestApp } from "../../support/test-app.js";
import {
  isAboutUser,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

const SEND_SIGN_IN_EMAIL = `mutation ($email: String!) { sendSignInEmail(email: $email) { success } }`;
const SIGN_IN_WITH_EMAIL_TOKEN = `mutation ($token: String!) {
  signInWithEmailToken(token: $token) { success errors }
}`;

describe.each(testDatabases())("sign-in link webhook events on %s", (database) => {
  let receiver: WebhookReceiver;
  let app: TestApp;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp(database, {
      ALLOW_EMAIL_SIGN_IN: "true",
      WEBHOOKS: JSON.stringify([
        {
          name: "sign-ins",
          url: receiver.url,
          secret,
          events: ["user.signed_in", "user.sign_in_failed"],
        },
      ]),
    });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  const linkFor = async (email: string) => {
    await app.gql(SEND_SIGN_IN_EMAIL, { email });
    return app.mailToken(email);
  };
  const signIn = async (token: string) =>
    (await app.gql(SIGN_IN_WITH_EMAIL_TOKEN, { token })).body.data?.signInWithEmailToken as {
      success: boolean;
    };

  it("reports a link that signs in, and each refused link as its user's failed sign-in", async () => {
    const failures: string[] = [];
    const stopListening = app.deps.events.on("user_login_failed", ({ method }) => {
      failures.push(method);
    });
    const user = await aVerifiedUser(app);
    const id = (await findUserByUsername(app.deps.db, user.username))?.id ?? 0;
    const retired = await linkFor(user.email);
    const current = await linkFor(user.email);
    expect(await signIn(retired)).toMatchObject({ success: false });
    expect(await signIn(current)).toMatchObject({ success: true });
    expect(await signIn(current)).toMatchObject({ success: false });

    const about = (hooks: ReturnType<WebhookReceiver["accepted"]>) =>
      hooks.filter((hook) => isAboutUser(hook, id));
    await receiver.waitFor((hooks) => about(hooks).length >= 3);
    const hooks = about(receiver.accepted());
    for (const hook of hooks) receiver.verify(hook, secret);
    expect(hooks.map((hook) => [hook.json.type, hook.json.data.method])).toEqual([
      ["user.sign_in_failed", "email_link"],
      ["user.signed_in", "email_link"],
      ["user.sign_in_failed", "email_link"],
    ]);
    expect(hooks[0]?.json.data).toMatchObject({ user: { id, username: user.username } });

    // Neither a forged link nor an expired one names its user: nobody's failure, still reported.
    const before = receiver.accepted().length;
    const expired = await linkFor(user.email);
    app.clock.advance(15 * 60 + 1);
    expect(await signIn(expired)).toMatchObject({ success: false });
    expect(await signIn(`${"a".repeat(40)}:1:forged`)).toMatchObject({ success: false });
    await receiver.waitFor((all) => all.length >= before + 2);
    expect(
      receiver
        .accepted()
        .slice(before)
        .map((hook) => [hook.json.type, hook.json.data.user, hook.json.data.method]),
    ).toEqual([
      ["user.sign_in_failed", null, "email_link"],
      ["user.sign_in_failed", null, "email_link"],
    ]);
    stopListening();
    expect(failures).toEqual(["email_link", "email_link", "email_link", "email_link"]);
  });
});
