// Encryption at rest in the app: the first run encrypts by default, a restarted app asks for the passphrase, a wrong
// one is refused plainly, the right one opens the queue, and nothing typed in the app is readable on disk.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { el, freshDataDir, launch, shot, textOf, type } from "../harness.mjs";

const PASSPHRASE = "violet anchor 42 lantern";
const TITLE = "Zanzibar-quokka exfiltration via WKS-ENC-7731";

let app;

after(async () => {
  await app?.stop();
});

/** Every file under `dir`, WAL and evidence included. */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test("an encrypted first run, then the unlock screen after a restart; nothing readable on disk", async () => {
  const dataDir = freshDataDir("encryption");
  app = await launch(dataDir);
  let browser = app.browser;
  await el(browser, '[data-testid="first-run"]', 30_000);
  assert.equal(await (await el(browser, 'input[name="encrypt"]')).isSelected(), true, "encryption is on by default");
  await (await el(browser, 'input[name="name"]')).setValue("Rui Costa");
  await (await el(browser, 'input[name="passphrase"]')).setValue(PASSPHRASE);
  await (await el(browser, 'input[name="passphrase-confirm"]')).setValue(PASSPHRASE);
  await shot(browser, "08-encrypted-first-run");
  await (await el(browser, '[data-testid="create-profile"]')).click();
  await (await el(browser, '[data-testid="start-empty"]', 30_000)).click();
  await el(browser, '[data-screen="queue"]', 20_000);

  await (await el(browser, "body")).click();
  await type(browser, "n");
  await (await el(browser, 'input[name="title"]')).addValue(TITLE);
  await type(browser, "Enter");
  await el(browser, '[data-screen="incident"]');
  await app.stop();
  app = null;

  const needle = Buffer.from("Zanzibar-quokka");
  const files = filesUnder(dataDir);
  assert.ok(files.some((f) => f.endsWith("casebook.key")), "the directory was created encrypted");
  for (const f of files) {
    const bytes = readFileSync(f);
    assert.equal(bytes.indexOf(needle), -1, `${f} holds the incident's title in the clear`);
    assert.equal(bytes.indexOf(Buffer.from("SQLite format 3")), -1, `${f} is a plain SQLite file`);
  }

  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-testid="unlock-screen"]', 30_000);
  assert.equal((await browser.$$('[data-testid="first-run"]')).length, 0, "a locked folder is not a first run");
  await (await el(browser, '[data-testid="unlock-passphrase"]')).setValue("not the passphrase");
  await type(browser, "Enter");
  assert.equal(
    await textOf(browser, '[data-testid="unlock-error"]', 30_000),
    "That passphrase does not unlock this case folder.",
  );
  await shot(browser, "08-unlock-wrong");
  await (await el(browser, '[data-testid="unlock-passphrase"]')).setValue(PASSPHRASE);
  await type(browser, "Enter");
  const row = await el(browser, '[data-screen="queue"] tr[data-key]', 30_000);
  assert.match(await row.getText(), /Zanzibar-quokka/, "the unlocked queue shows the incident");
  assert.match(await textOf(browser, '[data-testid="whoami"]'), /Rui Costa/);
  await shot(browser, "08-unlocked-queue");
});

// Run under scripts/with-keyring (scripts/test-desktop does): a throwaway GNOME Keyring on a private session bus.
test("Remember on this computer: the next start opens without asking, until Settings forgets it", async () => {
  await app?.stop();
  const dataDir = freshDataDir("remember");
  app = await launch(dataDir);
  let browser = app.browser;
  await el(browser, '[data-testid="first-run"]', 30_000);
  await (await el(browser, 'input[name="name"]')).setValue("Ines Duarte");
  await (await el(browser, 'input[name="passphrase"]')).setValue(PASSPHRASE);
  await (await el(browser, 'input[name="passphrase-confirm"]')).setValue(PASSPHRASE);
  const remember = await el(browser, '[data-testid="first-run-remember"]');
  assert.equal(await remember.isSelected(), false, "remembering is the person's choice, off until ticked");
  await remember.click();
  await (await el(browser, '[data-testid="create-profile"]')).click();
  await (await el(browser, '[data-testid="start-empty"]', 30_000)).click();
  await el(browser, '[data-screen="queue"]', 20_000);
  await app.stop();

  // The keyring opens it: no unlock screen.
  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-screen="queue"]', 30_000);
  assert.equal((await browser.$$('[data-testid="unlock-screen"]')).length, 0, "a remembered folder opens without asking");
  await (await el(browser, '[data-nav="settings"]')).click();
  assert.match(await textOf(browser, '[data-testid="remember-state"]', 20_000), /keyring keeps this folder's key/);
  await shot(browser, "08-remembered-settings");
  // Below the fold of Settings' own scrolling pane, which WebKitWebDriver's click does not scroll: as a person would.
  const toggle = await el(browser, '[data-testid="remember-toggle"]');
  await toggle.scrollIntoView();
  await toggle.click();
  await browser.waitUntil(
    async () => /asks for the passphrase each time/.test(await textOf(browser, '[data-testid="remember-state"]')),
    { timeout: 20_000, timeoutMsg: "Settings did not show the key as forgotten" },
  );
  await app.stop();

  // Forgotten: the passphrase again, and ticking "Remember" there keeps it once more.
  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-testid="unlock-screen"]', 30_000);
  await (await el(browser, '[data-testid="unlock-remember"]')).click();
  await (await el(browser, '[data-testid="unlock-passphrase"]')).setValue(PASSPHRASE);
  await type(browser, "Enter");
  await el(browser, '[data-screen="queue"]', 30_000);
  await app.stop();

  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-screen="queue"]', 30_000);
  assert.equal((await browser.$$('[data-testid="unlock-screen"]')).length, 0, "remembered again at the unlock screen");
  assert.match(await textOf(browser, '[data-testid="whoami"]'), /Ines Duarte/);
});
