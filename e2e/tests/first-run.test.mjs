// First run on an empty data directory: create the profile (encryption unticked), accept the offer of the demo
// case, land in the queue.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { el, freshDataDir, launch, shot, textOf } from "../harness.mjs";

let app;
let browser;

before(async () => {
  app = await launch(freshDataDir("first-run"));
  browser = app.browser;
});

after(async () => {
  await app?.stop();
});

test("first run creates the profile and loads the demo case on request", async () => {
  await el(browser, '[data-testid="first-run"]', 30_000);
  await shot(browser, "00-first-run");
  await (await el(browser, 'input[name="name"]')).setValue("Dana Reyes");
  await (await el(browser, 'select[name="tier"]')).selectByAttribute("value", "2");
  // A plain folder, as before encryption existed (tests/encryption.test.mjs covers the default).
  await (await el(browser, 'input[name="encrypt"]')).click();
  await (await el(browser, '[data-testid="create-profile"]')).click();
  await (await el(browser, '[data-testid="load-demo"]')).click();
  const row = await el(browser, '[data-screen="queue"] tr[data-key]', 20_000);
  assert.match(await row.getText(), /phishing/i, "the demo's phishing incident is in the queue");
  assert.match(await textOf(browser, '[data-testid="whoami"]'), /Dana Reyes/, "the profile is the person who made it");
  assert.match(await textOf(browser, '[data-testid="whoami"]'), /tier 2/);
  await shot(browser, "00-demo-queue");
  await (await row.$("[data-open]")).click();
  await el(browser, ".markdown");
  await shot(browser, "00-demo-incident");
});
