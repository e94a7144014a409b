// Starts the built app in the real WebKitGTK webview through tauri-driver, with its own data directory, and
// hands the test a WebdriverIO browser. A driver is stopped with its whole process group (see `stopGroup`).
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const APP = process.env.CASEBOOK_APP ?? path.join(ROOT, "target/debug/casebook-desktop");
export const CLI = process.env.CASEBOOK_CLI ?? path.join(ROOT, "target/debug/casebook");
export const SERVER = process.env.CASEBOOK_SERVER ?? path.join(ROOT, "target/debug/casebook-server");
export const ARTIFACTS = path.join(ROOT, "artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

export function freshDataDir(name) {
  const dir = mkdtempSync(path.join(tmpdir(), `casebook-e2e-${name}-`));
  mkdirSync(filesOf(dir));
  return dir;
}

/**
 * The folder beside a data directory for the files a test hands to the app by typing their paths. The app is
 * started with it (and the repository's import fixtures) in CASEBOOK_ALLOWED_DIRS, as a scripted run would be:
 * those paths are used without the native confirmation a typed path otherwise needs, and every other is refused
 * (see src-tauri/src/grants.rs).
 */
export function filesOf(dataDir) {
  return `${dataDir}-files`;
}

export const FIXTURES = path.join(ROOT, "crates/casebook-import/tests/fixtures");

/** Runs the `casebook` CLI on a data directory (to seed colleagues or data the app then opens). */
export function casebook(dataDir, ...args) {
  return execFileSync(CLI, ["--data-dir", dataDir, ...args], { encoding: "utf8" });
}

function waitForPort(port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => { s.end(); resolve(); });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`tauri-driver did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** The process groups of the drivers this file started and has not yet seen gone. */
const liveGroups = new Set();

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops a driver's whole process group (tauri-driver, WebKitWebDriver, the app) and returns once none of it is left:
 * SIGTERM first, so that tauri-driver ends its session, then SIGKILL for whatever outlives 10 s. Waiting for the
 * group, not only for tauri-driver, matters: a WebKitWebDriver still exiting holds its port, and an app left behind
 * holds the test runner's output open.
 */
async function stopGroup(pgid) {
  try { process.kill(-pgid, "SIGTERM"); } catch { /* the group is already gone */ }
  const until = Date.now() + 10_000;
  while (groupAlive(pgid) && Date.now() < until) await sleep(100);
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, "SIGKILL"); } catch { /* gone meanwhile */ }
    while (groupAlive(pgid)) await sleep(50);
  }
  liveGroups.delete(pgid);
}

// A test that fails or times out half-way must not leave an app running after this file ends, nor keep it from
// ending: drivers are not referenced by the event loop, and whatever is left is killed on the way out.
function killLeftovers() {
  for (const pgid of liveGroups) {
    try { process.kill(-pgid, "SIGKILL"); } catch { /* gone */ }
  }
  liveGroups.clear();
}
process.on("exit", killLeftovers);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    killLeftovers();
    process.exit(128 + (signal === "SIGTERM" ? 15 : 2));
  });
}

/**
 * Starts tauri-driver with CASEBOOK_DATA_DIR set (it reaches the app), then a session on the app. Each start takes
 * two ports the system has just handed out (tauri-driver's and WebKitWebDriver's), so a restart never waits for, or
 * collides with, the ports of the run before.
 * `screenshots`: WebKitWebDriver captures the window through WebKit's compositor, which the app turns off by default
 * (see src-tauri/src/lib.rs); runs that take screenshots turn it back on. It changes how pixels are painted, not
 * what the app does.
 */
export async function launch(dataDir, { screenshots = true } = {}) {
  const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
  const env = { ...process.env, CASEBOOK_DATA_DIR: dataDir, CASEBOOK_ALLOWED_DIRS: `${filesOf(dataDir)}:${FIXTURES}` };
  if (screenshots) env.WEBKIT_DISABLE_COMPOSITING_MODE = "0";
  else delete env.WEBKIT_DISABLE_COMPOSITING_MODE;
  const [port, nativePort] = await freePorts(2);
  // Its own process group, so that stopping it stops WebKitWebDriver and the app it started too.
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const pgid = driver.pid;
  liveGroups.add(pgid);
  driver.unref();
  const stop = async () => {
    try { await browser?.deleteSession(); } catch { /* the app may already be gone */ }
    await stopGroup(pgid);
  };
  let browser;
  let started;
  try {
    await waitForPort(port, 20_000);
    started = performance.now();
    browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      connectionRetryTimeout: 60_000,
      capabilities: {
        browserName: "wry",
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application: APP },
      },
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { browser, stop, started };
}

export async function shot(browser, name) {
  await browser.pause(150); // let a just-opened view paint before the capture
  await browser.saveScreenshot(path.join(ARTIFACTS, `${name}.png`));
}

/** Waits for an element and returns it. */
export async function el(browser, selector, timeout = 10_000) {
  const e = await browser.$(selector);
  await e.waitForExist({ timeout });
  return e;
}

export async function textOf(browser, selector, timeout) {
  return (await el(browser, selector, timeout)).getText();
}

/** Switches the acting person through Settings, as a colleague at the same laptop would. */
export async function actAs(browser, name) {
  await (await el(browser, '[data-nav="settings"]')).click();
  const select = await el(browser, '[data-testid="switch-user"]');
  await browser.waitUntil(async () => (await select.$$("option")).length >= 5, { timeout: 10_000 });
  await select.selectByVisibleText((await select.$$("option")).length ? await optionText(select, name) : name);
  await (await el(browser, '[data-testid="switch-user-submit"]')).click();
  await browser.waitUntil(async () => (await textOf(browser, '[data-testid="whoami"]')).includes(name), {
    timeout: 10_000,
    timeoutMsg: `the app did not switch to ${name}`,
  });
}

async function optionText(select, name) {
  for (const o of await select.$$("option")) {
    const t = await o.getText();
    if (t.startsWith(name)) return t;
  }
  throw new Error(`${name} is not registered on this device`);
}

/** Sends keys to the page as a person would type them. */
export async function type(browser, keys) {
  await browser.keys(keys);
}

/** The password every account of a test team has. */
export const TEAM_PASSWORD = "correct horse battery staple";

/**
 * A real `casebook-server` with its own data directory (SQLite, self-signed certificate for 127.0.0.1) on a free
 * loopback port: `admin(...)` runs its command line, `start()`/`stop()` serve or kill it (kill -9: a server that
 * vanishes, as a laptop sees a network loss).
 */
export async function teamServer(team = "Acme SOC") {
  const dir = mkdtempSync(path.join(tmpdir(), "casebook-e2e-server-"));
  const port = await freePort();
  const admin = (...args) =>
    execFileSync(SERVER, ["--data-dir", dir, ...args], { encoding: "utf8", input: `${TEAM_PASSWORD}\n` });
  admin("init", "--team", team, "--admin", "admin@acme.example", "--password-stdin");
  let child = null;
  const server = {
    dir,
    url: `https://127.0.0.1:${port}`,
    cert: path.join(dir, "tls", "cert.pem"),
    admin,
    addUser: (email, name, role, tier) =>
      admin("user", "add", email, "--name", name, "--role", role, ...(tier ? ["--tier", String(tier)] : []), "--password-stdin"),
    async start() {
      child = spawn(SERVER, ["--data-dir", dir, "serve", "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`casebook-server did not start:\n${log}`)), 30_000);
        child.stderr.on("data", (b) => {
          log += b;
          if (log.includes("listening on")) { clearTimeout(timer); resolve(); }
        });
        child.once("exit", (code) => reject(new Error(`casebook-server exited (${code}):\n${log}`)));
      });
      child.stderr.resume();
    },
    /** Freezes the server (SIGSTOP): connections are accepted by the kernel and never answered. */
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      child = null;
    },
  };
  return server;
}

/** The certificate's SHA-256 fingerprint as the server prints it and the app shows it (AA:BB:…). */
export function fingerprintOf(certPem) {
  const b64 = readFileSync(certPem, "utf8").replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const hex = createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex").toUpperCase();
  return hex.match(/../g).join(":");
}

/** `n` distinct loopback ports the system has just handed out, all held until every one is known. */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((srv) => srv.address().port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

async function freePort() {
  return (await freePorts(1))[0];
}

/**
 * Waits for a notice whose text matches `re` and returns that text; with `errors`, error notices count too. Notices
 * close after a few seconds, so every notice on the page is read in one call, every 100 ms: read element by element,
 * one that closes between two calls is lost. A timeout names every notice seen meanwhile (an import that failed
 * says why).
 */
export async function noticeMatching(browser, re, { errors = false, timeout = 30_000, what = "" } = {}) {
  const seen = new Set();
  let found = "";
  try {
    await browser.waitUntil(async () => {
      const notices = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="notice-ok"], [data-testid="notice-error"]')].map((n) => ({
          error: n.getAttribute("data-testid") === "notice-error",
          text: (n.innerText ?? n.textContent ?? "").trim(),
        })),
      );
      for (const n of notices) {
        seen.add(`${n.error ? "error" : "ok"}: ${n.text}`);
        if ((errors || !n.error) && re.test(n.text)) found = n.text;
      }
      return found !== "";
    }, { timeout, interval: 100 });
  } catch (e) {
    throw new Error(`no notice matched ${re}${what}; notices seen: ${[...seen].join(" | ") || "none"} (${e.message})`);
  }
  return found;
}
