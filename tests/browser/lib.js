// Shared helpers for the real-browser tests: start Samling on a temporary SQLite database,
// call its JSON API, read the .eml outbox, launch Debian's Chromium, run axe and take screenshots.
//
// Nothing here downloads a browser: Chromium is the system one (CHROMIUM or /usr/bin/chromium).

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/** The repository root (this file is tests/browser/lib.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshots go: target/screenshots/ in the repository, whatever the cwd. */
export const SCREENSHOT_DIR = resolve(REPO_ROOT, process.env.SCREENSHOT_DIR || 'target/screenshots');

/** The Samling binary; a relative SAMLING_BIN is taken from the repository root. */
export function samlingBin() {
  const bin = process.env.SAMLING_BIN || 'target/debug/samling';
  return isAbsolute(bin) ? bin : resolve(REPO_ROOT, bin);
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one we start is tracked and killed when this test process ends,
// also when a test fails, times out or the runner sends a signal.

const children = new Set();

function killAll(signal = 'SIGKILL') {
  for (const child of children) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAll('SIGKILL');
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[sig]);
  });
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function runCli(args, env, { timeoutMs = 60_000, input } = {}) {
  return new Promise((ok, fail) => {
    const proc = execFile(samlingBin(), args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      children.delete(proc);
      if (err) {
        fail(new Error(`samling ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr || stdout}`));
      } else {
        ok({ stdout, stderr });
      }
    });
    children.add(proc);
    // Standard input: the given text, or nothing (closed at once, so nothing waits for it).
    proc.stdin.on('error', () => {});
    proc.stdin.end(input ?? '');
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The organiser startSamling() creates: an administrator of the demo organisation, with a
 * password for the desk (/admin).
 */
export const ORGANISER = {
  email: 'kari@example.no',
  name: 'Kari Nordmann',
  organisation: 'usht-vestfold',
  password: 'gul-hest-leser-avis',
};

/**
 * Start Samling on a fresh temporary SQLite database with the demo data and an organiser
 * (ORGANISER, an administrator; with a desk password unless `password` is null).
 * Returns { base, tmp, token, stop(), log() }.
 */
export async function startSamling({ timeoutMs = 30_000, password = ORGANISER.password } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'samling-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    SAMLING_DATABASE_URL: `sqlite://${tmp}/s.db`,
    SAMLING_BIND: `127.0.0.1:${port}`,
    SAMLING_BASE_URL: base,
    SAMLING_OUTBOX_DIR: `${tmp}/outbox`,
    SAMLING_SMTP_URL: '',
    SAMLING_SCHEDULER_TICK_SECONDS: '1',
    SAMLING_LOG: 'warn',
  };

  let child;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(2_000)]);
      }
    }
    if (child) children.delete(child);
    if (!process.env.SAMLING_KEEP_TMP) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
    }
  };

  try {
    await runCli(['demo'], env);
    const added = await runCli(
      ['organiser', 'add', '--organisation', ORGANISER.organisation, '--email', ORGANISER.email, '--name', ORGANISER.name, '--admin'],
      env,
    );
    const token = added.stdout.trim().split('\n').pop().trim();
    assert.ok(token.length > 10 && !/\s/.test(token), `no API token on the last line of: ${added.stdout}`);
    if (password != null) {
      // The desk password is read from standard input.
      await runCli(['organiser', 'set-password', '--email', ORGANISER.email], env, { input: `${password}\n` });
    }

    child = spawn(samlingBin(), ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-64_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', () => children.delete(child));

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`samling serve exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`samling did not answer /healthz within ${timeoutMs} ms:\n${output}`);
      await sleep(150);
    }
    return { base, tmp, token, stop, log: () => output };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A JSON call to /api/v1…; resolves to { status, json, headers }. */
export async function api(base, token, method, path, body) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

// ---------------------------------------------------------------------------------------------
// Mail: the outbox holds one <uuid>.eml per message (MIME, parts quoted-printable or base64).

function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeEncodedWords(value) {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset, enc, data) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function splitHead(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const key = line.slice(0, i).trim().toLowerCase();
      const value = decodeEncodedWords(line.slice(i + 1).trim());
      headers[key] = headers[key] ? `${headers[key]}, ${value}` : value;
    }
  }
  return { headers, body };
}

function parsePart(raw) {
  const { headers, body } = splitHead(raw);
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const complete = body.includes(`--${boundary}--`);
    const pieces = body.split(`--${boundary}`).slice(1);
    const parts = [];
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      parts.push(...parsePart(piece.replace(/^\r?\n/, '')).parts);
    }
    return { headers, complete: complete && parts.every((p) => p.complete !== false), parts };
  }
  const cte = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  let text = body;
  if (cte === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (cte === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, complete: true, parts: [{ type, headers, text }] };
}

/** Parse one .eml text into { headers, to, subject, parts, text, complete }. */
export function parseMail(raw) {
  const { headers, complete, parts } = parsePart(raw);
  const headerText = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return {
    headers,
    to: headers.to || '',
    subject: headers.subject || '',
    parts,
    complete,
    text: `${headerText}\n\n${parts.map((p) => p.text).join('\n')}`,
  };
}

/** Every complete mail in the outbox now, parsed, oldest file name first. */
export async function readOutbox(tmp) {
  const dir = join(tmp, 'outbox');
  let names;
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  const mails = [];
  for (const name of names) {
    let raw;
    try {
      raw = await readFile(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const mail = parseMail(raw);
    // The service writes the file in place: one still being written is read again next time.
    if (!mail.complete) continue;
    mails.push({ file: join(dir, name), ...mail });
  }
  return mails;
}

/**
 * Wait for the first mail whose decoded text (headers + every part) satisfies predicate(text, mail).
 */
export async function waitForMail(tmp, predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await readOutbox(tmp);
    const found = mails.find((m) => predicate(m.text, m));
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `  To: ${m.to} | Subject: ${m.subject}`).join('\n') || '  (none)';
      throw new Error(`no matching mail within ${timeoutMs} ms; the outbox has:\n${seen}`);
    }
    await sleep(200);
  }
}

/** A predicate: the mail is to `address` and its subject contains `subjectWord` (case-insensitive). */
export function mailTo(address, subjectWord = '') {
  return (_text, mail) =>
    mail.to.toLowerCase().includes(address.toLowerCase()) &&
    mail.subject.toLowerCase().includes(subjectWord.toLowerCase());
}

/** The first participant link (http…/r/<43-character token>) in a mail's decoded text. */
export function manageLinkIn(mailText) {
  const m = /https?:\/\/[^\s"'<>]+?\/r\/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/.exec(mailText);
  return m ? m[0] : null;
}

// ---------------------------------------------------------------------------------------------
// Browser

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** A fresh context (own cookies) and page; Norwegian browser locale unless told otherwise. */
export async function newPage(browser, { locale = 'nb-NO', ...options } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function describeViolations(violations) {
  return violations
    .map((v) => {
      const node = v.nodes[0];
      return [
        `- ${v.id} (${v.impact}): ${v.help}`,
        `    ${v.helpUrl}`,
        `    ${v.nodes.length} node(s); first: ${JSON.stringify(node?.target)}`,
        `    ${node?.html}`,
        node?.failureSummary ? `    ${node.failureSummary.replace(/\n/g, '\n    ')}` : '',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n');
}

/** Where each checked page's HTML goes, for the W3C Nu validator that scripts/test runs after. */
export const HTML_DIR = resolve(REPO_ROOT, process.env.HTML_DIR || 'target/html');

/** Save the page as the browser holds it (no script changes it: the pages have none). */
export async function saveHtml(page, name) {
  await mkdir(HTML_DIR, { recursive: true });
  await writeFile(join(HTML_DIR, `${name}.html`), await page.content());
}

/**
 * WCAG 1.4.10 and 1.4.4: at 320 px, and at 200 % text on a 375 px phone, the page is no wider
 * than the screen (a table may scroll inside its own box). Fails naming the widest elements.
 */
export async function checkReflow(page, name) {
  const before = page.viewportSize();
  const problems = [];
  for (const [width, text] of [
    [320, '100%'],
    [375, '200%'],
  ]) {
    await page.setViewportSize({ width, height: 800 });
    const found = await page.evaluate(
      ([text, width]) => {
        document.documentElement.style.fontSize = text;
        const pageWidth = document.documentElement.scrollWidth;
        const wide = [];
        if (pageWidth > width) {
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && !el.closest('.table-wrap')) {
              wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} (${Math.round(r.right)} px): ${(el.textContent || '').trim().slice(0, 40)}`);
            }
          }
        }
        document.documentElement.style.fontSize = '';
        return { pageWidth, wide: wide.slice(-5) };
      },
      [text, width],
    );
    if (found.pageWidth > width) {
      problems.push(`${width} px at ${text} text: the page is ${found.pageWidth} px wide; ${found.wide.join('; ')}`);
    }
  }
  if (before) await page.setViewportSize(before);
  if (problems.length) assert.fail(`reflow on ${name} (${page.url()}):\n${problems.join('\n')}`);
}

/** Save full-page screenshots at 375×800 and 1280×900 as <name>-375.png and <name>-1280.png. */
export async function screenshots(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize();
  for (const [width, height] of [
    [375, 800],
    [1280, 900],
  ]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/**
 * Run axe (WCAG 2.0/2.1 A and AA) on the page and assert there are no violations; the screenshots
 * are saved either way, so a failing page can be looked at.
 */
export async function checkAxe(page, name) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  await saveHtml(page, name);
  await screenshots(page, name);
  await checkReflow(page, name);
  const { violations } = results;
  if (violations.length) {
    const report = `axe: ${violations.length} violation(s) on ${name} (${page.url()}):\n${describeViolations(violations)}`;
    console.log(report);
    assert.fail(report);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// The organiser desk (/admin): server-rendered forms, a session cookie, a CSRF field in each form.

/** Click a button or link that loads a new page, and wait for it; resolves to the final response. */
export async function clickAndWait(page, locator, { timeout = 20_000 } = {}) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout }), locator.click({ timeout })]);
  return response;
}

/** The desk's sign-in form on the current page. */
export const signInForm = (page) => page.locator('form[action="/admin/sign-in"]');

/**
 * Open /admin (in English with lang: 'en') and sign in through the form; resolves to the response
 * of the page the browser lands on.
 */
export async function deskSignIn(page, base, { email = ORGANISER.email, password = ORGANISER.password, lang } = {}) {
  const url = new URL('/admin', base);
  if (lang === 'en') url.searchParams.set('lang', 'en');
  const res = await page.goto(url.href);
  assert.equal(res.status(), 200, `GET ${url.href}`);
  const form = signInForm(page);
  assert.equal(await form.count(), 1, `a sign-in form on ${page.url()}`);
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  return clickAndWait(page, form.locator('button[type="submit"]'));
}
