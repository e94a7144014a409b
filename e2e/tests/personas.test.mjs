// Each persona's main flow in the real webview: a tier-1 responder opens an incident, adds timeline entries from
// the keyboard, imports a Timesketch file, adds evidence and sees its SHA-256, escalates to tier 2; a tier-2 analyst
// accepts; a lead reassigns; an auditor sees it all and finds no control that edits.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { actAs, casebook, el, filesOf, FIXTURES, freshDataDir, launch, noticeMatching as noticeOf, shot, textOf, type } from "../harness.mjs";

const FIXTURE = path.join(FIXTURES, "timesketch/evtx_part.csv");
let app;
let browser;
let key;
let dataDir;

before(async () => {
  dataDir = freshDataDir("personas");
  casebook(dataDir, "init", "--name", "Root Admin", "--role", "admin");
  casebook(dataDir, "user", "add", "Ana Silva", "--role", "responder", "--tier", "1");
  casebook(dataDir, "user", "add", "Ben Okafor", "--role", "responder", "--tier", "2");
  casebook(dataDir, "user", "add", "Chen Wei", "--role", "responder", "--tier", "3");
  casebook(dataDir, "user", "add", "Grace Lee", "--role", "lead");
  casebook(dataDir, "user", "add", "Ines Duarte", "--role", "auditor");
  app = await launch(dataDir);
  browser = app.browser;
  await el(browser, '[data-screen="queue"]', 30_000);
});

after(async () => {
  await app?.stop();
});

async function openIncident() {
  await (await el(browser, '[data-nav="queue"]')).click();
  await (await el(browser, `[data-open="${key}"]`)).click();
  await el(browser, `[data-screen="incident"][data-key="${key}"]`);
}

/** What has the keyboard focus: its data-testid or name. */
async function focused() {
  return browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.getAttribute("name"));
}

function noticeMatching(re) {
  return noticeOf(browser, re);
}

async function tab(name) {
  await (await el(browser, `[data-tab="${name}"]`)).click();
}

async function entryCount() {
  const t = await textOf(browser, '[data-testid="entry-count"]');
  return Number(t.replace(/[^0-9]/g, "") || "0");
}

test("a tier-1 responder opens, documents and escalates an incident", async () => {
  await actAs(browser, "Ana Silva");
  await (await el(browser, '[data-nav="queue"]')).click();
  await shot(browser, "01-queue-empty");

  // New incident from the keyboard: n, type the title, Enter.
  await (await el(browser, "body")).click();
  await type(browser, "n");
  await el(browser, '[data-testid="new-incident-form"]');
  assert.equal(await focused(), "title", "n opens the new-incident form with the title field ready");
  await (await el(browser, 'input[name="title"]')).addValue("Encoded PowerShell on WKS-FIN-014");
  await type(browser, "Enter");
  const screen = await el(browser, '[data-screen="incident"]');
  key = await screen.getAttribute("data-key");
  assert.match(key, /^INC-[0-9A-Z]{6}$/, "a new incident gets a short key");

  // Timeline entries from the keyboard: a focuses the entry box, Enter adds, the box stays ready for the next.
  await el(browser, '[data-testid="entry-summary"]');
  await (await el(browser, '[data-testid="entry-list"]')).click();
  await type(browser, "a");
  assert.equal(await focused(), "entry-summary", "a puts the cursor in the entry box");
  await (await el(browser, '[data-testid="entry-summary"]')).addValue("EDR alert: encoded PowerShell spawned by WINWORD.EXE");
  await type(browser, "Enter");
  await browser.waitUntil(async () => (await entryCount()) === 1, { timeoutMsg: "the first entry did not appear" });
  await (await el(browser, '[data-testid="entry-kind"]')).selectByAttribute("value", "containment");
  await (await el(browser, '[data-testid="entry-summary"]')).addValue("Isolated WKS-FIN-014 from the network");
  await type(browser, "Enter");
  await browser.waitUntil(async () => (await entryCount()) === 2, { timeoutMsg: "the second entry did not appear" });

  // Timesketch import, every row or none.
  const importPath = await el(browser, '[data-testid="import-path"]');
  await importPath.setValue(FIXTURE);
  await type(browser, "Enter");
  // The notice comes as the import returns and stays 3 s; the count follows once the timeline has reloaded.
  const notice = await noticeMatching(/Imported (\d+) entries/);
  await browser.waitUntil(async () => (await entryCount()) > 2, { timeout: 30_000, timeoutMsg: "the import did not land" });
  const imported = Number(/Imported (\d+) entries/.exec(notice)?.[1]);
  // The CLI, importing the same file into a scratch directory, says how many rows it holds.
  const scratch = freshDataDir("import-count");
  casebook(scratch, "init", "--name", "Count Check", "--role", "responder", "--tier", "1");
  const scratchKey = casebook(scratch, "incident", "new", "Count", "--severity", "sev4").match(/INC-[0-9A-Z]{6}/)[0];
  const expected = JSON.parse(casebook(scratch, "--json", "timeline", "import", scratchKey, FIXTURE)).entries;
  assert.equal(imported, expected, `the import reports every row of the file (${notice})`);
  assert.equal(await entryCount(), imported + 2, "the timeline shows the two typed entries and every imported one");
  await el(browser, '[data-testid="visual-timeline"] rect');
  await shot(browser, "03-timeline");

  // Evidence: the SHA-256 shown is the file's.
  const file = path.join(filesOf(dataDir), `phish-${Date.now()}.eml`);
  const content = "From: invoices@northwind-billing.test\nSubject: Overdue invoice\n\nPlease see the portal.\n";
  writeFileSync(file, content);
  const sha = createHash("sha256").update(content).digest("hex");
  await tab("evidence");
  await (await el(browser, '[data-testid="evidence-path"]')).setValue(file);
  await type(browser, "Enter");
  await browser.waitUntil(async () => (await textOf(browser, '[data-testid="sha256"]')) === sha, {
    timeout: 20_000,
    timeoutMsg: "the evidence's SHA-256 was not shown",
  });
  await (await el(browser, '[data-testid="verify-evidence"]')).click();
  await el(browser, '[data-verdict="ok"]');
  await shot(browser, "04-evidence");

  // Escalate to tier 2 with a reason and a hand-off note.
  await tab("escalations");
  await (await el(browser, '[data-testid="escalate-form"] input[name="reason"]')).setValue("Macro execution confirmed; needs forensics");
  await (await el(browser, '[data-testid="escalate-form"] textarea[name="handoff"]')).setValue("Host isolated. Mail sample in evidence.");
  await (await el(browser, '[data-testid="escalate-form"] select[name="to_tier"]')).selectByAttribute("value", "2");
  await (await el(browser, '[data-testid="escalate-submit"]')).click();
  await el(browser, '[data-escalation-state="requested"]');
  await shot(browser, "05-escalations-requested");

  await tab("overview");
  await el(browser, '[data-testid="response-times"]');
  assert.ok((await browser.$$("[data-edit]")).length > 0, "a responder sees editing controls (so the auditor check below means something)");
  await shot(browser, "02-incident-overview");

  await (await el(browser, '[data-nav="board"]')).click();
  await el(browser, `[data-board-tier="2"] [data-key="${key}"]`);
  await shot(browser, "06-board");
  await type(browser, "?");
  await el(browser, '[data-testid="help"]');
  await shot(browser, "10-help");
  await type(browser, "Escape");
});

test("a tier-2 analyst accepts the escalation", async () => {
  await actAs(browser, "Ben Okafor");
  await openIncident();
  await tab("escalations");
  await (await el(browser, '[data-testid="accept"]')).click();
  await el(browser, '[data-escalation-state="accepted"]');
  await browser.waitUntil(async () => (await textOf(browser, '[data-testid="tier"]')) === "2", { timeoutMsg: "accepting moves the incident to tier 2" });
  assert.equal(await textOf(browser, '[data-testid="assignee"]'), "Ben Okafor", "whoever accepts gets the incident");
});

test("a lead reassigns the incident", async () => {
  await actAs(browser, "Grace Lee");
  await openIncident();
  await (await el(browser, '[data-testid="assign"]')).click();
  await (await el(browser, '[data-testid="assign-form"] select[name="tier"]')).selectByAttribute("value", "3");
  const who = await el(browser, '[data-testid="assign-form"] select[name="assignee"]');
  await who.selectByVisibleText("Chen Wei (tier 3)");
  await (await el(browser, '[data-testid="assign-form"] textarea[name="note"]')).setValue("Possible hands-on-keyboard; hunt across finance");
  await (await el(browser, '[data-testid="assign-submit"]')).click();
  await browser.waitUntil(async () => (await textOf(browser, '[data-testid="tier"]')) === "3", { timeoutMsg: "the lead's assignment moves it to tier 3" });
  assert.equal(await textOf(browser, '[data-testid="assignee"]'), "Chen Wei");
  await (await el(browser, '[data-nav="metrics"]')).click();
  await el(browser, ".chart svg");
  await shot(browser, "07-metrics");
});

test("an auditor reads everything and finds no control that edits", async () => {
  await actAs(browser, "Ines Duarte");
  await (await el(browser, '[data-nav="queue"]')).click();
  await el(browser, `[data-open="${key}"]`);
  assert.equal((await browser.$$('[data-testid="new-incident"]')).length, 0, "no New incident button for an auditor");
  await shot(browser, "08-auditor-queue");
  await openIncident();
  const tabs = ["overview", "timeline", "evidence", "observables", "tasks", "comments", "escalations", "report"];
  for (const t of tabs) {
    await tab(t);
    await browser.pause(200);
    const editing = await browser.$$("[data-edit]");
    assert.equal(editing.length, 0, `the ${t} tab shows no editing control to an auditor`);
    const fields = await browser.$$(".incident-head select, .incident-head input, .tab-body textarea");
    assert.equal(fields.length, 0, `the ${t} tab has no field to type into`);
  }
  await tab("timeline");
  await browser.waitUntil(async () => (await entryCount()) > 2, { timeoutMsg: "the auditor sees the whole timeline" });
  await shot(browser, "09-auditor-timeline");
  await tab("evidence");
  assert.match(await textOf(browser, '[data-testid="sha256"]'), /^[0-9a-f]{64}$/, "the auditor sees the SHA-256");
  await tab("escalations");
  await el(browser, '[data-escalation-state="accepted"]');

  // Auditors export reports and verify them.
  await tab("report");
  const pdf = path.join(filesOf(dataDir), `report-${Date.now()}.pdf`);
  await (await el(browser, '[data-testid="report-path"]')).setValue(pdf);
  await type(browser, "Enter");
  await browser.waitUntil(async () => Number(await textOf(browser, '[data-testid="report-pages"]', 60_000)) > 0, {
    timeout: 60_000,
    timeoutMsg: "the report was not written",
  });
  await (await el(browser, '[data-testid="verify-path"]')).setValue(pdf);
  await type(browser, "Enter");
  await el(browser, '[data-testid="report-verdict"][data-verified="true"]', 30_000);
  await shot(browser, "13-report");

  await (await el(browser, '[data-nav="settings"]')).click();
  await el(browser, '[data-testid="data-dir"]');
  await shot(browser, "11-settings");
});

test("a path the page makes up reaches no command", async () => {
  // What a script injected into the page would try: read a file the person never chose into the app, write a
  // report over one, or climb out of a folder the app was started with. The shell refuses each without asking
  // (the app runs with CASEBOOK_ALLOWED_DIRS, see src-tauri/src/grants.rs) and nothing is written.
  const outside = mkdtempSync(path.join(tmpdir(), "casebook-e2e-outside-"));
  const secret = path.join(outside, "id_ed25519");
  writeFileSync(secret, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
  const invoke = (command, args) =>
    browser.execute(
      (c, a) => window.__TAURI_INTERNALS__.invoke(c, a).then(() => ({ ok: true }), (e) => ({ failed: e })),
      command,
      args,
    );
  const attempts = [
    ["verify_report", { path: secret }],
    ["import_observables", { key, path: secret }],
    ["export_report", { key, path: path.join(outside, "overwritten.pdf"), kind: "technical", key_events_only: false, job: "forged" }],
    ["export_observables", { key, format: "csv", path: path.join(filesOf(dataDir), "..", path.basename(outside), "x.csv") }],
  ];
  for (const [command, args] of attempts) {
    const answer = await invoke(command, args);
    assert.equal(answer.ok, undefined, `${command} with a made-up path was refused`);
    assert.equal(answer.failed?.code, "forbidden", `${command}: ${JSON.stringify(answer)}`);
  }
  assert.deepEqual(readdirSync(outside), ["id_ed25519"], "nothing was written outside the chosen folders");
  // The same commands still work on a file the person handed over.
  const ok = await invoke("export_report", { key, path: path.join(filesOf(dataDir), "allowed.pdf"), kind: "technical", key_events_only: false, job: "allowed" });
  assert.equal(ok.ok, true, JSON.stringify(ok));
});
