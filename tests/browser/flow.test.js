// A participant's whole path in a real browser: sign up, receipt, manage from the mail, cancel
// through the confirmation step; the first on the waiting list is then promoted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startSamling, api, waitForMail, mailTo, manageLinkIn, launchBrowser, newPage } from './lib.js';

let samling;
let browser;

before(async () => {
  samling = await startSamling();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await samling?.stop();
});

function inDays(days, hours = 0) {
  const d = new Date(Date.now() + days * 86_400_000 + hours * 3_600_000);
  d.setUTCSeconds(0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

async function createWebinar(title) {
  const res = await api(samling.base, samling.token, 'POST', '/events', {
    title,
    kind: 'webinar',
    status: 'published',
    capacity: 1,
    sessions: [{ starts_at: inDays(14), ends_at: inDays(14, 1), online_url: 'https://teams.example.org/join/x' }],
  });
  assert.equal(res.status, 201, `create event: ${JSON.stringify(res.json)}`);
  assert.ok(res.json.id, 'the created event has an id');
  return res.json.id;
}

async function registrations(eventId) {
  const res = await api(samling.base, samling.token, 'GET', `/events/${eventId}/registrations`);
  assert.equal(res.status, 200, `list registrations: ${JSON.stringify(res.json)}`);
  const list = Array.isArray(res.json) ? res.json : res.json.registrations ?? res.json.items ?? res.json.data;
  assert.ok(Array.isArray(list), `registrations list in ${JSON.stringify(res.json)}`);
  return list;
}

const receiptPath = (eventId) => new RegExp(`/events/${eventId}/receipt/[^/?#]+$`);

/** Fill the sign-up form on the current event page. */
async function fillForm(page, { name, email, municipality, workplace, role = true, share = false }) {
  const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="email"]').fill(email);
  if (municipality) await form.locator('input[name="municipality"]').fill(municipality);
  if (workplace) await form.locator('input[name="workplace"]').fill(workplace);
  if (role) await form.locator('input[type="radio"][name="role"]').first().check();
  if (share) await form.locator('input[type="checkbox"][name="share_contact"]').check();
  return form;
}

/** Submit and wait for the page the browser lands on; returns the final response. */
async function submit(page, form) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    form.locator('button[type="submit"]').click(),
  ]);
  return response;
}

test(
  'sign up, receipt, manage from mail, cancel through the confirmation step, the first waitlisted is promoted',
  { timeout: 120_000 },
  async (t) => {
    const eventId = await createWebinar('Nettleserprøve: ett sete');
    const eventUrl = `${samling.base}/events/${eventId}`;

    // --- A signs up and gets the seat.
    const a = await newPage(browser);
    try {
      const page = a.page;
      const res = await page.goto(eventUrl);
      assert.equal(res.status(), 200, `GET ${eventUrl}`);
      const form = await fillForm(page, {
        name: 'Anne Andersen',
        email: 'anne@example.no',
        municipality: 'Tønsberg',
        workplace: 'Tønsberg sykehjem',
        share: true,
      });
      const landed = await submit(page, form);
      assert.match(page.url(), receiptPath(eventId), 'a valid sign-up lands on the receipt');
      assert.equal(landed.status(), 200);
      const redirect = await landed.request().redirectedFrom()?.response();
      assert.equal(redirect?.status(), 303, 'the POST answers 303 See Other');
      const body = await page.locator('main').innerText();
      assert.match(body, /Du er påmeldt/, `receipt says confirmed:\n${body}`);
      // The receipt's URL is in the sign-up answer and in logs: it shows no address.
      assert.doesNotMatch(body, /anne@example\.no/, 'the receipt shows no address');
    } finally {
      await a.context.close();
    }

    // --- B signs up: waiting list. Then the same form is submitted again (same submission id).
    const b = await newPage(browser);
    let firstReceipt;
    try {
      const page = b.page;
      await page.goto(eventUrl);
      const form = await fillForm(page, { name: 'Bjørn Berg', email: 'bjorn@example.no', municipality: 'Horten' });
      const submission = await form.locator('input[type="hidden"][name="submission"]').inputValue();
      assert.ok(submission, 'the form carries a hidden submission id');
      await submit(page, form);
      assert.match(page.url(), receiptPath(eventId));
      firstReceipt = page.url();
      const body = await page.locator('main').innerText();
      assert.match(body, /Du står på ventelisten/, `receipt says waiting list:\n${body}`);
      assert.doesNotMatch(body, /bjorn@example\.no/, "no address on the receipt");

      // Back to the form page and submit it again. If the browser reloaded the page (so it got
      // a new submission id), put the original one back: the same form, posted twice.
      await page.goBack({ waitUntil: 'load' });
      assert.equal(new URL(page.url()).pathname, `/events/${eventId}`, 'back on the event page');
      const again = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
      const hidden = again.locator('input[type="hidden"][name="submission"]');
      const reloaded = (await hidden.inputValue()) !== submission;
      t.diagnostic(`back to the form: ${reloaded ? 'page reloaded with a new submission id; the original is put back' : 'same submission id'}`);
      if (reloaded) {
        await hidden.evaluate((el, value) => {
          el.value = value;
        }, submission);
      }
      if (!(await again.locator('input[name="email"]').inputValue())) {
        await fillForm(page, { name: 'Bjørn Berg', email: 'bjorn@example.no', municipality: 'Horten' });
      }
      await submit(page, again);
      assert.match(page.url(), receiptPath(eventId), `the repeated submission ends on a receipt, not ${page.url()}`);
      assert.equal(page.url(), firstReceipt, 'the repeated submission shows the same registration');
      assert.match(await page.locator('main').innerText(), /Du står på ventelisten/);
    } finally {
      await b.context.close();
    }

    let list = await registrations(eventId);
    assert.equal(list.length, 2, `exactly 2 registrations: ${JSON.stringify(list)}`);
    const status = (email) => list.find((r) => r.email === email)?.status;
    assert.equal(status('anne@example.no'), 'confirmed');
    assert.equal(status('bjorn@example.no'), 'waitlisted');

    // --- A opens the link from the confirmation mail and cancels.
    const mail = await waitForMail(samling.tmp, mailTo('anne@example.no', 'bekreftet'), 15_000);
    const link = manageLinkIn(mail.text);
    assert.ok(link, `a /r/ link in A's confirmation mail:\n${mail.text.slice(0, 2000)}`);
    assert.ok(link.startsWith(samling.base), `the link uses the base URL: ${link}`);

    const m = await newPage(browser);
    try {
      const page = m.page;
      const res = await page.goto(link);
      assert.equal(res.status(), 200, `GET ${link}`);
      assert.match(await page.locator('main').innerText(), /anne@example\.no/);

      const cancelLink = page.getByRole('link', { name: 'Avbestill påmeldingen' });
      assert.equal(await cancelLink.getAttribute('href'), `${new URL(link).pathname}/cancel`);
      await Promise.all([page.waitForNavigation(), cancelLink.click()]);
      assert.equal(new URL(page.url()).pathname, `${new URL(link).pathname}/cancel`);

      // Only the confirmation step so far: nothing is cancelled yet.
      list = await registrations(eventId);
      assert.equal(status('anne@example.no'), 'confirmed', 'opening the confirmation page cancels nothing');

      const yes = page.getByRole('button', { name: 'Ja, avbestill' });
      await Promise.all([page.waitForNavigation(), yes.click()]);
      const after = new URL(page.url());
      assert.equal(after.pathname, new URL(link).pathname, 'back on the registration page');
      assert.equal(after.searchParams.get('done'), 'cancelled');
      assert.match(await page.locator('main').innerText(), /Påmeldingen er avbestilt/);
    } finally {
      await m.context.close();
    }

    list = await registrations(eventId);
    assert.equal(list.length, 2, `still 2 registrations: ${JSON.stringify(list)}`);
    assert.equal(status('anne@example.no'), 'cancelled', `A is cancelled: ${JSON.stringify(list)}`);
    assert.equal(status('bjorn@example.no'), 'confirmed', `B is promoted: ${JSON.stringify(list)}`);

    // B is told by mail that the seat is theirs ("Du har fått plass: …").
    await waitForMail(samling.tmp, mailTo('bjorn@example.no', 'venteliste'), 15_000);
    const promoted = await waitForMail(samling.tmp, mailTo('bjorn@example.no', 'fått plass'), 15_000);
    assert.ok(manageLinkIn(promoted.text), 'the promotion mail has the participant link');
  },
);

test('an invalid sign-up gives the form again: 400, "Feil:"/"Error:" title, error summary, input kept', { timeout: 60_000 }, async (t) => {
  const eventId = await createWebinar('Nettleserprøve: feil i skjemaet');
  for (const [lang, prefix] of [
    ['nb', 'Feil: '],
    ['en', 'Error: '],
  ]) {
    await t.test(lang, async () => {
      const { context, page } = await newPage(browser);
      try {
        await page.goto(`${samling.base}/events/${eventId}${lang === 'en' ? '?lang=en' : ''}`);
        const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
        assert.equal(await form.getAttribute('novalidate'), '', 'the form has novalidate');
        await form.locator('input[name="email"]').fill('not-an-email');
        await form.locator('input[name="municipality"]').fill('Tønsberg');
        await form.locator('input[name="workplace"]').fill('Hjemmetjenesten');
        const res = await submit(page, form);
        assert.equal(res.status(), 400);
        assert.equal(new URL(page.url()).pathname, `/events/${eventId}`);
        assert.equal(await page.locator('html').getAttribute('lang'), lang);
        const title = await page.title();
        assert.ok(title.startsWith(prefix), `<title> starts with ${JSON.stringify(prefix)}: ${JSON.stringify(title)}`);
        const summary = page.locator('.error-summary');
        assert.equal(await summary.count(), 1, 'one error summary');
        assert.equal(await summary.locator('a[href="#name"]').count(), 1, 'a link to the name field');
        assert.equal(await summary.locator('a[href="#email"]').count(), 1, 'a link to the email field');
        assert.equal(await page.locator('input[name="email"]').inputValue(), 'not-an-email', 'typed email kept');
        assert.equal(await page.locator('input[name="municipality"]').inputValue(), 'Tønsberg', 'municipality kept');
        assert.equal(await page.locator('input[name="workplace"]').inputValue(), 'Hjemmetjenesten', 'workplace kept');
        // The summary's link takes the keyboard to the field.
        await summary.locator('a[href="#email"]').click();
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'email', 'the link focuses the email field');
      } finally {
        await context.close();
      }
    });
  }
  const list = await registrations(eventId);
  assert.equal(list.length, 0, 'nothing was registered');
});
