// Every page of the organiser desk (/admin), in Norwegian and in English: axe (WCAG 2.0/2.1 A
// and AA) must find nothing, and each page is saved as screenshots (desk-<page>-<lang>) at 375
// and 1280 pixels width.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startSamling, api, launchBrowser, newPage, checkAxe, clickAndWait, signInForm, ORGANISER, waitForMail, mailTo, manageLinkIn } from './lib.js';

let samling;
let browser;
/** The course made for these pages: { id, sessions: [id, id] }, two confirmed and one waiting. */
let course;
const COURSE_TITLE = 'Kurs for tilgjengelighetsprøven';

function inDays(days, hours = 0) {
  const d = new Date(Date.now() + days * 86_400_000 + hours * 3_600_000);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

before(async () => {
  samling = await startSamling();
  browser = await launchBrowser();

  const res = await api(samling.base, samling.token, 'POST', '/events', {
    title: COURSE_TITLE,
    kind: 'course',
    status: 'published',
    capacity: 2,
    network: 'demens-vestfold',
    sessions: [
      { starts_at: inDays(20), ends_at: inDays(20, 6), location: 'Horten' },
      { starts_at: inDays(50), ends_at: inDays(50, 6), location: 'Tønsberg' },
    ],
  });
  assert.equal(res.status, 201, `create the course: ${JSON.stringify(res.json)}`);
  course = { id: res.json.id, sessions: res.json.sessions.map((s) => s.id) };
  assert.equal(course.sessions.length, 2, 'two sessions');
  // Two get a seat, the third waits: the desk shows both tables, the capacity page someone promoted.
  for (const [name, email] of [
    ['Åse Øvrebø', 'ase.axe@example.no'],
    ['Bjørn Berg', 'bjorn.axe@example.no'],
    ['Camilla Dahl', 'camilla.axe@example.no'],
  ]) {
    const signed = await api(samling.base, null, 'POST', `/events/${course.id}/registrations`, {
      name,
      email,
      municipality: 'Horten',
    });
    assert.ok([200, 201].includes(signed.status), `sign up ${email}: ${signed.status} ${JSON.stringify(signed.json)}`);
  }
  await closedEvaluation();
});

/** An event with a closed evaluation that three answered: the desk shows its results. */
let evaluated;

async function closedEvaluation() {
  const res = await api(samling.base, samling.token, 'POST', '/events', {
    title: 'Nettverkssamling med evaluering',
    kind: 'gathering',
    status: 'published',
    capacity: 10,
    sessions: [{ starts_at: inDays(5), ends_at: inDays(5, 6), location: 'Drammen' }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  evaluated = res.json.id;
  const opens = new Date(Date.now() - 600_000).toISOString();
  const settings = (closes) => ({ preset: 'standard', opens_at: opens, closes_at: closes });
  const far = new Date(Date.now() + 86_400_000).toISOString();
  const set = await api(samling.base, samling.token, 'PUT', `/events/${evaluated}/evaluation`, settings(far));
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const people = [
    ['Dina Eide', 'dina.eval@example.no', 'Drammen', 'helsepersonell', [7, 6, 6, 5], 'Godt program.'],
    ['Erik Foss', 'erik.eval@example.no', 'Lier', 'leder', [6, 5, 7, 6], 'For kort tid til diskusjon.'],
    ['Frida Gran', 'frida.eval@example.no', 'Modum', 'fagansvarlig', [5, 6, 4, 6], ''],
  ];
  for (const [name, email, municipality, role, [r, k, e, o], comment] of people) {
    const signed = await api(samling.base, null, 'POST', `/events/${evaluated}/registrations`, { name, email, municipality, role });
    assert.equal(signed.status, 201, JSON.stringify(signed.json));
    const mail = await waitForMail(samling.tmp, mailTo(email), 15_000);
    const token = new URL(manageLinkIn(mail.text)).pathname.split('/')[2];
    const answers = { relevans: r, kvalitet: k, erfaringsdeling: e, organisering: o };
    if (comment) answers.kommentar = comment;
    const answered = await api(samling.base, null, 'POST', `/registrations/${token}/evaluation`, { answers });
    assert.equal(answered.status, 201, JSON.stringify(answered.json));
  }
  // Close it a moment from now (the server keeps real time; a closing in the past is refused
  // only when it is before the opening).
  const soon = new Date(Date.now() + 1_500).toISOString();
  const closed = await api(samling.base, samling.token, 'PUT', `/events/${evaluated}/evaluation`, settings(soon));
  assert.equal(closed.status, 200, JSON.stringify(closed.json));
  await new Promise((r) => setTimeout(r, 1_600));
}

after(async () => {
  await browser?.close().catch(() => {});
  await samling?.stop();
});

const LANGUAGES = [
  { lang: 'nb', errorPrefix: 'Feil: ', member: 'medlem.nb@example.no', tokenLabel: 'Nettsiden vår' },
  { lang: 'en', errorPrefix: 'Error: ', member: 'member.en@example.no', tokenLabel: 'Our website' },
];

for (const { lang, errorPrefix, member, tokenLabel } of LANGUAGES) {
  test(`desk: axe and screenshots, ${lang}`, { timeout: 300_000 }, async (t) => {
    // Norwegian browser locale either way: English comes from ?lang=en (and then the cookie).
    const { context, page } = await newPage(browser);
    try {
      const url = (path) => {
        const u = new URL(path, samling.base);
        if (lang === 'en') u.searchParams.set('lang', 'en');
        return u.href;
      };
      const assertLang = async () =>
        assert.equal(await page.locator('html').getAttribute('lang'), lang, `<html lang> on ${page.url()}`);
      const visit = async (path, status = 200) => {
        const res = await page.goto(url(path));
        assert.equal(res.status(), status, `GET ${url(path)}`);
        await assertLang();
        return res;
      };
      /** Visit a desk page: it must be the page itself, not the sign-in form. */
      const visitDesk = async (path) => {
        await visit(path);
        assert.equal(await signInForm(page).count(), 0, `signed in on ${page.url()}`);
        assert.equal(await page.locator('form[action="/admin/sign-out"] button').count(), 1, `a sign-out button on ${page.url()}`);
        const posts = page.locator('form[method="post"]');
        for (let i = 0, n = await posts.count(); i < n; i++) {
          const csrf = posts.nth(i).locator('input[type="hidden"][name="csrf"]');
          assert.equal(await csrf.count(), 1, `a csrf field in form ${await posts.nth(i).getAttribute('action')} on ${page.url()}`);
          assert.ok(await csrf.inputValue(), `a non-empty csrf field in form ${await posts.nth(i).getAttribute('action')}`);
        }
      };
      // One subtest per page: one failing page does not hide the others.
      const check = (label, fn) =>
        t.test(label, async () => {
          await fn();
          await checkAxe(page, `desk-${label}-${lang}`);
        });

      await check('sign-in', async () => {
        await visit('/admin');
        const form = signInForm(page);
        assert.equal(await form.count(), 1, 'the sign-in form');
        assert.equal(await form.locator('input[name="email"]').count(), 1);
        assert.equal(await form.locator('input[name="password"]').count(), 1);
      });

      await check('sign-in-error', async () => {
        await visit('/admin');
        const form = signInForm(page);
        await form.locator('input[name="email"]').fill(ORGANISER.email);
        await form.locator('input[name="password"]').fill('feil-passord-her-123');
        const res = await clickAndWait(page, form.locator('button[type="submit"]'));
        assert.equal(res.status(), 401, 'wrong credentials answer 401');
        await assertLang();
        const title = await page.title();
        assert.ok(title.startsWith(errorPrefix), `<title> starts with ${JSON.stringify(errorPrefix)}: ${JSON.stringify(title)}`);
        assert.equal(await page.locator('.error-summary').count(), 1, 'an error summary');
      });

      // Signing in is not a page of its own: the events list is next.
      await check('events', async () => {
        await visit('/admin');
        const form = signInForm(page);
        await form.locator('input[name="email"]').fill(ORGANISER.email);
        await form.locator('input[name="password"]').fill(ORGANISER.password);
        const res = await clickAndWait(page, form.locator('button[type="submit"]'));
        assert.equal(res.status(), 200);
        assert.equal(new URL(page.url()).pathname, '/admin', 'signed in, on the events list');
        await visitDesk('/admin');
        assert.ok((await page.locator(`a[href="/admin/events/${course.id}"]`).count()) >= 1, 'the course is listed');
      });

      await check('event-new', async () => {
        await visitDesk('/admin/events/new');
        assert.equal(await page.locator('input[name="title"]').count(), 1);
        assert.equal(await page.locator('input[name="session_date"]').count(), 1, 'one session row');
      });

      await check('event-new-error', async () => {
        await visitDesk('/admin/events/new');
        const res = await clickAndWait(page, page.locator('button[name="action"][value="publish"]'));
        assert.equal(res.status(), 400, 'an empty title answers 400');
        await assertLang();
        assert.ok((await page.title()).startsWith(errorPrefix), `<title> starts with ${JSON.stringify(errorPrefix)}`);
        assert.equal(await page.locator('.error-summary').count(), 1, 'an error summary');
      });

      await check('event', async () => {
        await visitDesk(`/admin/events/${course.id}`);
        assert.equal(await page.locator('a[href$="registrations.xlsx"]').count(), 1, 'the XLSX link');
        assert.equal(await page.locator(`a[href*="/attendance?session="]`).count(), 2, 'two attendance sheets');
      });

      await check('attendance', async () => {
        await visitDesk(`/admin/events/${course.id}/attendance?session=${course.sessions[0]}`);
        assert.equal(await page.locator('input[type="checkbox"][name="came"]').count(), 2, 'a checkbox per confirmed participant');
      });

      await check('evaluation-results', async () => {
        await visitDesk(`/admin/events/${evaluated}/evaluation`);
        assert.equal(await page.locator('main svg.bars').count(), 4, 'a chart per scale question');
        assert.ok((await page.locator('main caption').count()) >= 6, 'a table beside each chart, and the respondents');
        assert.equal(await page.locator('main .comments li').count(), 2, 'two comments');
      });

      await check('evaluation-new', async () => {
        await visitDesk(`/admin/events/${course.id}/evaluation`);
        assert.equal(await page.locator('main input[type="radio"][name="questions"]').count(), 3, 'standard, grad, copy');
      });

      await check('network', async () => {
        await visitDesk('/admin/networks/demens-vestfold');
        const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="email"]') });
        await form.locator('input[name="email"]').fill(member);
        await form.locator('input[name="name"]').fill(lang === 'nb' ? 'Åse Medlem' : 'Ada Member');
        await form.locator('input[name="municipality"]').fill('Færder');
        const res = await clickAndWait(page, form.locator('button[type="submit"]'));
        assert.equal(res.status(), 200, 'adding a member ends on a page');
        await visitDesk('/admin/networks/demens-vestfold');
        assert.match(await page.locator('main table').first().innerText(), new RegExp(member.replace(/\./g, '\\.')), 'the member is listed');
      });

      await check('networks', async () => {
        await visitDesk('/admin/networks');
        assert.ok((await page.locator('a[href="/admin/networks/demens-vestfold"]').count()) >= 1, 'the demo network is listed');
      });

      await check('stats', async () => {
        await visitDesk('/admin/stats');
        // With the demo data the year may have no counted events; the page renders either way.
        t.diagnostic(`stats (${lang}): ${await page.locator('img.chart').count()} chart(s), ${await page.locator('table').count()} table(s)`);
      });

      await check('municipalities', async () => {
        await visitDesk('/admin/municipalities');
        assert.equal(await page.locator('form[method="post"] input[type="file"]').count(), 1, 'the upload form (admins)');
      });

      await check('certificates', async () => {
        await visitDesk('/admin/certificates');
        const form = page.locator('form[method="post"][enctype="multipart/form-data"]');
        await form.locator('input[type="file"]').setInputFiles({
          name: 'kursbevis.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('Kari Nordmann;HLR-instruktør;31.05.2019;Horten\n'),
        });
        const res = await clickAndWait(page, form.locator('button[type="submit"]'));
        assert.equal(res.status(), 200, 'the import goes back to the register');
        await assertLang();
        assert.match(await page.locator('main').innerText(), /Kari Nordmann/, 'the imported certificate is listed');
      });

      await check('tokens', () => visitDesk('/admin/tokens'));

      await check('tokens-created', async () => {
        await visitDesk('/admin/tokens');
        const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="label"]') });
        await form.locator('input[name="label"]').fill(tokenLabel);
        const res = await clickAndWait(page, form.locator('button[type="submit"]'));
        assert.equal(res.status(), 200, 'creating a token shows it');
        await assertLang();
        const shown = page.locator('#new-token');
        assert.equal(await shown.count(), 1, 'the new token is shown once');
        assert.ok((await shown.inputValue()).length > 10, 'the new token');
      });

      await check('organisers', async () => {
        await visitDesk('/admin/organisers');
        assert.match(await page.locator('main').innerText(), new RegExp(ORGANISER.email.replace(/\./g, '\\.')));
      });

      await check('roles', async () => {
        await visitDesk('/admin/roles');
        assert.equal(await page.locator('main fieldset').count(), 6, 'the four default roles and two blank rows');
      });

      await check('roles-error', async () => {
        await visitDesk('/admin/roles');
        await page.locator('input[name="roles[4].label_nb"]').fill(lang === 'nb' ? 'Student' : 'Student');
        await page.locator('input[name="roles[4].key"]').fill('Ikke gyldig');
        const res = await clickAndWait(page, page.locator('main form button[type="submit"]'));
        assert.equal(res.status(), 400, 'a wrong key is refused');
        assert.equal(await page.locator('.error-summary a[href="#roles-4--key"]').count(), 1, 'the summary links to the key');
      });

      await check('audit-log', async () => {
        await visitDesk('/admin/audit');
        assert.ok((await page.locator('main table tbody tr').count()) > 0, 'entries (the sign-in at least)');
      });

      await check('event-cancel', async () => {
        await visitDesk(`/admin/events/${course.id}/cancel`);
        assert.equal(await page.locator('main form[method="post"] button[type="submit"]').count(), 1, 'the confirm button');
      });

      await check('capacity', async () => {
        await visitDesk(`/admin/events/${course.id}/capacity?capacity=100`);
        assert.equal(await page.locator('main form[method="post"] input[name="capacity"]').inputValue(), '100');
      });

      // Not axe, but seen on these pages: a confirmation or checklist must say which event it is
      // about (their templates print the event's title under the heading).
      await t.test('the cancel, capacity and attendance pages name the event', async () => {
        const missing = [];
        for (const path of [
          `/admin/events/${course.id}/cancel`,
          `/admin/events/${course.id}/capacity?capacity=100`,
          `/admin/events/${course.id}/attendance?session=${course.sessions[0]}`,
        ]) {
          await visitDesk(path);
          if (!(await page.locator('main').innerText()).includes(COURSE_TITLE)) missing.push(url(path));
        }
        assert.deepEqual(missing, [], `the event's title "${COURSE_TITLE}" is missing on these pages`);
      });
    } finally {
      await context.close();
    }
  });
}
