// Tier 1's alert queue in the real webview: import the vendored Wazuh sample through the app (a re-import adds
// nothing), more alerts of one rule and source group into one row, a hostile title shows as text, d dismisses,
// p promotes and lands on the new incident with the alert's observables; the metrics show the alerts; an auditor
// reads the queue without triage controls.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { actAs, casebook, el, filesOf, freshDataDir, launch, noticeMatching, ROOT, shot, textOf, type } from "../harness.mjs";

const SAMPLE = path.join(ROOT, "crates/casebook-alerts/tests/samples/wazuh/alerts.json");
const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
let app;
let browser;
let dataDir;

before(async () => {
  dataDir = freshDataDir("alerts");
  casebook(dataDir, "init", "--name", "Root Admin", "--role", "admin");
  casebook(dataDir, "user", "add", "Ana Silva", "--role", "responder", "--tier", "1");
  casebook(dataDir, "user", "add", "Ben Okafor", "--role", "responder", "--tier", "2");
  casebook(dataDir, "user", "add", "Grace Lee", "--role", "lead");
  casebook(dataDir, "user", "add", "Ines Duarte", "--role", "auditor");
  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-screen="queue"]', 30_000);
});

after(async () => {
  await app?.stop();
});

/** Two more of the sample's first alert (same rule, same attacker, minutes later) and one with a hostile title. */
function moreAlerts() {
  const first = JSON.parse(readFileSync(SAMPLE, "utf8").split("\n")[0]);
  const again = (n) => ({ ...first, id: `${first.id}${n}`, timestamp: `2020-04-17T00:2${n}:00.000+0000` });
  const hostile = { ...first, id: "1587082673.99999", rule: { ...first.rule, id: "100900", description: HOSTILE } };
  const file = path.join(filesOf(dataDir), "wazuh-more.json");
  writeFileSync(file, [again(1), again(2), hostile].map((a) => JSON.stringify(a)).join("\n") + "\n");
  return file;
}

/** Imports a file by typing its path (granted to the test run) and returns the notice that matches `re`. */
async function importFile(file, re) {
  await (await el(browser, '[data-testid="alert-import-path"]')).setValue(file);
  await type(browser, "Enter");
  return noticeMatching(browser, re, { errors: true, what: ` after importing ${file}` });
}

/** The queue's rows as the page shows them. */
async function rows() {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="alert-table"] tbody tr')].map((r) => ({
      id: r.getAttribute("data-alert"),
      count: Number(r.getAttribute("data-count")),
      text: r.textContent,
    })),
  );
}

/** Moves the selection with j/k from wherever it is to the row with id `id`. */
async function select(id) {
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  const all = await rows();
  const want = all.findIndex((r) => r.id === id);
  assert.ok(want >= 0, `row ${id} is in the queue`);
  const at = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="alert-table"] tbody tr')].findIndex((r) => r.classList.contains("selected")),
  );
  for (let i = at; i !== want; i += want > at ? 1 : -1) await type(browser, want > at ? "j" : "k");
  await browser.waitUntil(async () => (await (await el(browser, "tr.selected")).getAttribute("data-alert")) === id, {
    timeoutMsg: `j/k did not reach row ${id}`,
  });
}

test("tier 1 imports, groups, dismisses and promotes alerts from the keyboard", async () => {
  await actAs(browser, "Ana Silva");
  await (await el(browser, "body")).click();
  await type(browser, "g");
  await type(browser, "a");
  await el(browser, '[data-screen="alerts"]');
  assert.match(await textOf(browser, '[data-screen="alerts"] .state.empty'), /No alerts waiting\. Import a file or connect a SIEM/);
  await shot(browser, "alerts-01-empty");

  // The vendored sample, through the app; then the same file again, which adds nothing.
  const sample = path.join(filesOf(dataDir), "wazuh-alerts.json");
  copyFileSync(SAMPLE, sample);
  await importFile(sample, /Imported 5 new alerts in 5 groups$/);
  await browser.waitUntil(async () => (await rows()).length === 5, { timeoutMsg: "the five sample alerts are not five rows" });
  await importFile(sample, /Imported 0 new alerts in 0 groups \(5 already here\)/); // a re-import adds nothing

  // Two more of the first alert's rule and attacker join its row; the hostile title is a row of its own.
  await importFile(moreAlerts(), /Imported 3 new alerts in 2 groups$/);
  await browser.waitUntil(async () => (await rows()).length === 6, { timeoutMsg: "the new alerts did not land as one more row" });
  const grouped = (await rows()).find((r) => r.text.includes("49.88.112.73") && r.text.includes("authentication failed"));
  assert.equal(grouped?.count, 3, "three alerts of one rule and one key observable are one row of 3");
  const hostile = (await rows()).find((r) => r.text.includes("<script>"));
  assert.ok(hostile, "the hostile title shows as its own text in the row");
  await shot(browser, "alerts-02-queue");

  // Enter opens the detail: the raw payload is plain text, and nothing in it ran.
  await select(hostile.id);
  await type(browser, "Enter");
  await el(browser, `[data-testid="alert-detail"][data-alert="${hostile.id}"] [data-testid="alert-raw"]`);
  const raw = await textOf(browser, '[data-testid="alert-raw"]');
  assert.ok(raw.includes("<script>window.__pwned = 1</script>"), "the raw payload is shown as received");
  assert.deepEqual(
    await browser.execute(() => [window.__pwned ?? null, document.querySelectorAll('[data-screen="alerts"] script, [data-screen="alerts"] img').length]),
    [null, 0],
    "a hostile title is text, never markup",
  );
  await shot(browser, "alerts-03-detail");

  // d dismisses it as benign with a reason.
  await type(browser, "d");
  await el(browser, '[data-testid="dismiss-dialog"]');
  await (await el(browser, '[data-testid="verdict-benign"]')).click();
  await (await el(browser, '[data-testid="dismiss-reason"]')).setValue("red team exercise, ticket RT-12");
  await shot(browser, "alerts-04-dismiss");
  await type(browser, "Enter");
  await browser.waitUntil(async () => !(await rows()).some((r) => r.id === hostile.id), { timeoutMsg: "the dismissed alert stayed in the waiting queue" });
  assert.equal((await rows()).length, 5);

  // p promotes the group's alert and opens the new incident, which carries its observables.
  await type(browser, "Escape");
  await select(grouped.id);
  await type(browser, "p");
  await el(browser, '[data-testid="promote-dialog"]');
  await (await el(browser, '[data-testid="promote-severity"]')).selectByAttribute("value", "sev2");
  await (await el(browser, '[data-testid="promote-submit"]')).click();
  const screen = await el(browser, '[data-screen="incident"]', 20_000);
  const key = await screen.getAttribute("data-key");
  assert.match(key, /^INC-[0-9A-Z]{6}$/, "promotion lands on the new incident");
  await (await el(browser, '[data-tab="observables"]')).click();
  await browser.waitUntil(async () => (await textOf(browser, '[data-screen="incident"] table.grid')).includes("49.88.112.73"), {
    timeoutMsg: "the promoted incident does not list the attacker's address",
  });
  await shot(browser, "alerts-05-incident");
  const shown = JSON.parse(casebook(dataDir, "--json", "alert", "show", grouped.id));
  assert.equal(shown.incident_key, key, "the alert points at the incident it became");

  // The metrics count the alerts, the dismissal and the promotion.
  await (await el(browser, "body")).click();
  await type(browser, "g");
  await type(browser, "m");
  const charts = await textOf(browser, '[data-testid="alert-metrics"]', 20_000);
  assert.match(charts, /8 in all/, "every imported alert is counted once");
  assert.match(charts, /Time to triage/);
  await shot(browser, "alerts-06-metrics");
});

test("an auditor reads the alert queue without triage controls", async () => {
  await actAs(browser, "Ines Duarte");
  await (await el(browser, '[data-nav="alerts"]')).click();
  await el(browser, '[data-testid="alert-table"] tbody tr');
  assert.equal((await browser.$$('[data-testid="import-alerts"]')).length, 0, "an auditor imports nothing");
  // Keys go to the page, not the nav button just clicked (a click on the body could land on a row and open it).
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await type(browser, "d");
  await type(browser, "p");
  await browser.pause(300);
  assert.equal((await browser.$$(".modal")).length, 0, "d and p open nothing for an auditor");
  await type(browser, "Enter");
  await el(browser, '[data-testid="alert-raw"]');
  assert.equal((await browser.$$('[data-testid="alert-detail"] button.primary')).length, 0, "no promote button in the detail");
});
