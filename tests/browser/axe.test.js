// Every public and participant page, in Norwegian and in English: axe (WCAG 2.0/2.1 A and AA)
// must find nothing, and each page is saved as screenshots at 375 and 1280 pixels width.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startSamling, waitForMail, mailTo, manageLinkIn, launchBrowser, newPage, checkAxe, api } from './lib.js';

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

const LANGUAGES = [
  { lang: 'nb', email: 'axe.nb@example.no', name: 'Åse Øvrebø' },
  { lang: 'en', email: 'axe.en@example.no', name: 'Ada Lovelace' },
];

for (const { lang, email, name } of LANGUAGES) {
  test(`axe and screenshots, ${lang}`, { timeout: 240_000 }, async (t) => {
    // Norwegian browser locale either way: English comes from ?lang=en (and then the cookie).
    const { context, page } = await newPage(browser);
    try {
      const url = (path) => {
        const u = new URL(path, samling.base);
        if (lang === 'en') u.searchParams.set('lang', 'en');
        return u.href;
      };
      const visit = async (path, status = 200) => {
        const res = await page.goto(url(path));
        assert.equal(res.status(), status, `GET ${url(path)}`);
        assert.equal(await page.locator('html').getAttribute('lang'), lang, `<html lang> on ${page.url()}`);
      };
      // One subtest per page: one failing page does not hide the others.
      const check = (label, fn) =>
        t.test(label, async () => {
          await fn();
          await checkAxe(page, `${label}-${lang}`);
        });

      let eventPath;
      let receiptUrl;
      let manageUrl;

      await check('public-home', async () => {
        await visit('/');
        assert.ok((await page.locator('main article').count()) > 0, 'the demo events are listed');
        const href = await page.locator('main article h2 a').first().getAttribute('href');
        eventPath = new URL(href, samling.base).pathname;
        assert.match(eventPath, /^\/events\/[^/]+$/);
      });

      await check('public-home-filtered', async () => {
        await visit('/?kind=course');
        assert.equal(await page.locator('select[name="kind"]').inputValue(), 'course');
      });

      await check('public-event', async () => {
        assert.ok(eventPath, 'an event path from the home page');
        await visit(eventPath);
        assert.equal(await page.locator('form[method="post"] input[name="email"]').count(), 1);
      });

      await check('public-event-error', async () => {
        assert.ok(eventPath, 'an event path from the home page');
        await visit(eventPath);
        const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
        const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
        assert.equal(res.status(), 400, 'the empty form answers 400');
        assert.equal(await page.locator('.error-summary').count(), 1, 'an error summary');
      });

      await check('public-receipt', async () => {
        assert.ok(eventPath, 'an event path from the home page');
        await visit(eventPath);
        const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
        await form.locator('input[name="name"]').fill(name);
        await form.locator('input[name="email"]').fill(email);
        await form.locator('input[name="municipality"]').fill('Tønsberg');
        const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
        assert.equal(res.status(), 200);
        assert.match(new URL(page.url()).pathname, /^\/events\/[^/]+\/receipt\/[^/]+$/);
        assert.equal(await page.locator('html').getAttribute('lang'), lang, 'the receipt is in the chosen language');
        receiptUrl = page.url();
      });

      await check('public-network', () => visit('/networks/demens-vestfold'));
      await check('public-year-plan', async () => {
        await visit('/arshjul');
        assert.equal(await page.locator('section.plan-month').count(), 12, 'every month of the year');
      });
      await check('public-organisation', () => visit('/organisations/usht-vestfold'));

      await check('participant-registration', async () => {
        assert.ok(receiptUrl, 'signed up in the receipt step');
        const mail = await waitForMail(samling.tmp, mailTo(email), 15_000);
        manageUrl = manageLinkIn(mail.text);
        assert.ok(manageUrl, `a /r/ link in the mail to ${email}`);
        await visit(manageUrl);
      });

      // The evaluation, opened now (it would open at the end of the event): the question
      // page, its error state, and the thanks.
      await check('participant-evaluation', async () => {
        assert.ok(manageUrl, 'a participant link from the mail');
        const eventId = eventPath.split('/').pop();
        const opens = new Date(Date.now() - 60_000).toISOString();
        const closes = new Date(Date.now() + 14 * 86_400_000).toISOString();
        const set = await api(samling.base, samling.token, 'PUT', `/events/${eventId}/evaluation`, {
          preset: 'standard',
          opens_at: opens,
          closes_at: closes,
        });
        assert.equal(set.status, 200, `set the evaluation: ${JSON.stringify(set.json)}`);
        await visit(`${manageUrl}/evaluering`);
        assert.equal(await page.locator('main form input[type="radio"][name="answers.relevans"]').count(), 7);
      });

      await check('participant-evaluation-error', async () => {
        await visit(`${manageUrl}/evaluering`);
        await page.locator('input[name="answers.relevans"][value="6"]').check();
        const form = page.locator('main form[method="post"]');
        const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
        assert.equal(res.status(), 400, 'a missing answer answers 400');
        assert.equal(await page.locator('.error-summary li').count(), 3, 'three questions without an answer');
        assert.ok(await page.locator('input[name="answers.relevans"][value="6"]').isChecked(), 'the answer given stays');
      });

      await check('participant-evaluation-thanks', async () => {
        for (const key of ['relevans', 'kvalitet', 'erfaringsdeling', 'organisering']) {
          await page.locator(`input[name="answers.${key}"][value="6"]`).check();
        }
        await page.locator('textarea[name="answers.kommentar"]').fill('Nyttig, takk.');
        const form = page.locator('main form[method="post"]');
        const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
        assert.equal(res.status(), 200);
        assert.equal(await page.locator('main form[method="post"]').count(), 0, 'no form after answering');
      });

      await check('participant-cancel', async () => {
        assert.ok(manageUrl, 'a participant link from the mail');
        await visit(`${manageUrl}/cancel`);
        assert.equal(await page.locator('form[method="post"] button[type="submit"]').count(), 1);
      });

      await check('participant-erase', async () => {
        assert.ok(manageUrl, 'a participant link from the mail');
        await visit(`${manageUrl}/erase`);
        assert.equal(await page.locator('form[method="post"] button[type="submit"]').count(), 1);
      });

      await check('participant-erased', async () => {
        assert.ok(manageUrl, 'a participant link from the mail');
        await visit(`${manageUrl}/erase`);
        const form = page.locator('main form[method="post"]');
        const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"]').click()]);
        assert.equal(res.status(), 200);
        assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(email.replace(/\./g, '\\.')));
      });

      await check('public-accessibility', () => visit('/tilgjengelighet'));
      await check('public-privacy', () => visit('/personvern'));
      await check('public-404', () => visit('/finnes-ikke/heller-ikke-dette', 404));
      await check('public-certificate-check', async () => {
        await visit('/kursbevis');
        assert.equal(await page.locator('main form[method="get"] input[name="code"]').count(), 1);
      });
      await check('public-certificate-unknown', async () => {
        await visit('/kursbevis/AAAA-BBBB-CCCC-DDDD', 404);
        assert.equal(await page.locator('main [role="status"]').count(), 1, 'says no certificate has the code');
      });
    } finally {
      await context.close();
    }
  });
}
