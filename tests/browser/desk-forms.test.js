// The desk's forms as people use them with a keyboard: Enter in a text field does what the
// form's primary button does (never "remove a session" or "add a session"), a wrong capacity is
// an error at its field, an empty event form reports every problem at once in the page's
// language, and an error summary's link lands the field below its label.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startSamling, api, launchBrowser, newPage, checkAxe, clickAndWait, deskSignIn } from './lib.js';

let samling;
let browser;
let course;

/** RFC 3339 for `days` from now at 09:00 UTC (+ `hours`). */
function inDays(days, hours = 0) {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(9 + hours, 0, 0, 0);
  return d.toISOString();
}

before(async () => {
  samling = await startSamling();
  browser = await launchBrowser();
  const res = await api(samling.base, samling.token, 'POST', '/events', {
    title: 'Tastaturkurset',
    kind: 'course',
    status: 'published',
    capacity: 10,
    sessions: [
      { starts_at: inDays(20), ends_at: inDays(20, 6), location: 'Horten' },
      { starts_at: inDays(50), ends_at: inDays(50, 6), location: 'Tønsberg' },
    ],
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  course = res.json;
});

after(async () => {
  await browser?.close().catch(() => {});
  await samling?.stop();
});

/** The text-like inputs Enter submits a form from. */
const TYPED = 'input:not([type]), input[type="text"], input[type="email"], input[type="password"], input[type="number"], input[type="date"], input[type="time"], input[type="search"], input[type="url"]';

test('Enter in every text field of every desk form does what its primary button does', { timeout: 180_000 }, async (t) => {
  const { context, page } = await newPage(browser);
  try {
    await deskSignIn(page, samling.base);
    // Every submission is caught and answered 204 (the page stays): what was sent is what counts.
    let sent = null;
    await page.route('**/*', async (route) => {
      const req = route.request();
      if (req.isNavigationRequest() && sent === null && req.frame() === page.mainFrame() && (req.method() === 'POST' || new URL(req.url()).search)) {
        sent = { method: req.method(), url: req.url(), body: req.postData() ?? '' };
        await route.fulfill({ status: 204 });
      } else {
        await route.continue();
      }
    });
    const pages = [
      '/admin/events/new',
      `/admin/events/${course.id}/edit`,
      `/admin/events/${course.id}`,
      '/admin/networks',
      '/admin/networks/demens-vestfold',
      '/admin/tokens',
      '/admin/stats',
      '/admin/roles',
      '/admin/organisers',
    ];
    for (const path of pages) {
      await t.test(path, async () => {
        await page.goto(`${samling.base}${path}`);
        const forms = page.locator('main form');
        const n = await forms.count();
        let checked = 0;
        for (let f = 0; f < n; f++) {
          const form = forms.nth(f);
          const inputs = form.locator(TYPED);
          const count = await inputs.count();
          if (count === 0) continue;
          const buttons = form.locator('button[type="submit"], button:not([type])');
          assert.ok((await buttons.count()) > 0, `form ${f} on ${path} has a submit button`);
          const first = buttons.first();
          const cls = (await first.getAttribute('class')) ?? '';
          // A form's only button is its primary action whatever it looks like.
          if ((await buttons.count()) > 1) assert.ok(!/button--secondary|button--warning/.test(cls), `the first submit button of form ${f} on ${path} is the primary one, not ${JSON.stringify(await first.innerText())}`);
          const name = await first.getAttribute('name');
          const value = await first.getAttribute('value');
          const others = [];
          for (let b = 1, m = await buttons.count(); b < m; b++) {
            const bn = await buttons.nth(b).getAttribute('name');
            const bv = await buttons.nth(b).getAttribute('value');
            if (bn && bv !== value) others.push(`${encodeURIComponent(bn)}=${encodeURIComponent(bv ?? '')}`);
          }
          for (let i = 0; i < count; i++) {
            const input = inputs.nth(i);
            if (!(await input.isVisible()) || !(await input.isEditable())) continue;
            sent = null;
            await input.focus();
            await page.keyboard.press('Enter');
            await page.waitForTimeout(50);
            for (let w = 0; sent === null && w < 40; w++) await page.waitForTimeout(25);
            const field = (await input.getAttribute('name')) ?? `#${i}`;
            assert.ok(sent, `Enter in ${field} (form ${f} on ${path}) submits the form`);
            const sentText = sent.method === 'POST' ? sent.body : new URL(sent.url).search.slice(1);
            if (name) {
              assert.ok(sentText.split('&').includes(`${encodeURIComponent(name)}=${encodeURIComponent(value ?? '')}`), `Enter in ${field} on ${path} sends ${name}=${value}: ${sentText}`);
            }
            for (const other of others) {
              assert.ok(!sentText.split('&').includes(other), `Enter in ${field} on ${path} does not send ${other}`);
            }
            checked++;
          }
        }
        assert.ok(checked > 0, `some text field was tried on ${path}`);
      });
    }
  } finally {
    await context.close();
  }
});

test('a capacity that is not a number is an error at its field, in the reader\'s language', { timeout: 60_000 }, async () => {
  for (const [lang, prefix, word] of [['nb', 'Feil: ', 'helt tall'], ['en', 'Error: ', 'whole number']]) {
    const { context, page } = await newPage(browser);
    try {
      await deskSignIn(page, samling.base, { lang });
      await page.goto(`${samling.base}/admin/events/${course.id}${lang === 'en' ? '?lang=en' : ''}`);
      const field = page.locator('input[name="capacity"]');
      await field.fill('tre');
      const res = await clickAndWait(page, page.locator('form[method="get"]').filter({ has: field }).locator('button'));
      assert.equal(res.status(), 400, 'a wrong capacity answers 400');
      assert.ok((await page.title()).startsWith(prefix), `the title says ${prefix}: ${await page.title()}`);
      assert.equal(await page.locator('.notice--success').count(), 0, 'no success notice');
      const summary = page.locator('.error-summary a[href="#capacity"]');
      assert.equal(await summary.count(), 1, 'the error summary links to the field');
      assert.match(await summary.innerText(), new RegExp(word));
      assert.equal(await page.locator('#capacity').inputValue(), 'tre', 'the typed value is kept');
      assert.equal(await page.locator('#capacity').getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#capacity-error').innerText(), new RegExp(word), 'the message at the field');
      await checkAxe(page, `desk-capacity-error-${lang}`);
    } finally {
      await context.close();
    }
  }
});

test('an empty event form reports every problem at once, in Norwegian, and a summary link shows the label', { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await deskSignIn(page, samling.base);
    await page.goto(`${samling.base}/admin/events/new`);
    const res = await clickAndWait(page, page.locator('button[name="action"][value="publish"]'));
    assert.equal(res.status(), 400);
    const links = page.locator('.error-summary li');
    const texts = await links.allInnerTexts();
    const hrefs = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.includes('#title'), `the missing title is reported: ${texts.join(' | ')}`);
    assert.ok(hrefs.some((h) => h.startsWith('#session-0-')), `the missing session is reported in the same round: ${texts.join(' | ')}`);
    assert.ok(hrefs.indexOf('#title') < hrefs.findIndex((h) => h.startsWith('#session-0-')), 'in the order of the page');
    assert.ok(texts.some((x) => x.startsWith('Skriv inn tittelen')), `GOV.UK's wording: ${texts.join(' | ')}`);
    for (const x of texts) assert.doesNotMatch(x, /\b(must|starts_at|ends_at|needs)\b/, `no English on a Norwegian page: ${x}`);
    await checkAxe(page, 'desk-event-new-all-errors-nb');

    // The summary's link: the field's label is on screen above it (scroll-margin-top), not cut off.
    await page.setViewportSize({ width: 375, height: 700 });
    await page.locator('.error-summary a[href^="#session-0-"]').first().click();
    const target = (await page.locator('.error-summary a[href^="#session-0-"]').first().getAttribute('href')).slice(1);
    const labelTop = await page.locator(`label[for="${target}"]`).evaluate((l) => l.getBoundingClientRect().top);
    assert.ok(labelTop >= 0, `the label of #${target} is on screen (top ${labelTop})`);
  } finally {
    await context.close();
  }
});

test('a join link that is not a URL is kept as typed in valid HTML, and a ticked session is removed on save', { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await deskSignIn(page, samling.base);
    await page.goto(`${samling.base}/admin/events/${course.id}/edit`);
    const url = page.locator('#session-1-online_url');
    assert.equal(await url.getAttribute('type'), 'text', 'a URL field is text with inputmode (GOV.UK)');
    assert.equal(await url.getAttribute('inputmode'), 'url');
    await url.fill('teams');
    await page.locator('#title').focus();
    const res = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]).then(([r]) => r);
    assert.equal(res.status(), 400, 'Enter saves, and the wrong link is refused');
    assert.equal(await page.locator('#session-1-online_url').inputValue(), 'teams', 'the value is kept');
    assert.equal(await page.locator('input[name="session_date"]').count(), 2, 'Enter removed no session');
    await checkAxe(page, 'desk-event-edit-error-nb');

    // Tick "remove session 1 when you save", fix the link, press Enter in the title: saved, one session left.
    await page.locator('#session-1-online_url').fill('');
    await page.locator('#session-0-remove').check();
    await page.locator('#title').focus();
    const saved = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]).then(([r]) => r);
    assert.equal(saved.status(), 200);
    assert.match(page.url(), new RegExp(`/admin/events/${course.id}\\?done=saved`));
    const after = await api(samling.base, samling.token, 'GET', `/events/${course.id}`);
    assert.equal(after.json.sessions.length, 1, 'one session left');
    assert.equal(after.json.sessions[0].id, course.sessions[1].id, 'the second session stayed');
  } finally {
    await context.close();
  }
});
