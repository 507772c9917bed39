// The page language: Norwegian bokmål by default, English with ?lang=en (remembered in a
// cookie), or from the browser's Accept-Language.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';

import { startSamling, launchBrowser, newPage } from './lib.js';

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

const htmlLang = (page) => page.locator('html').getAttribute('lang');

/** A GET with exactly the given headers (node:http adds no Accept-Language of its own). */
function rawGet(url, headers = {}) {
  return new Promise((ok, fail) => {
    const req = request(url, { method: 'GET', headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', fail);
    req.end();
  });
}

const langOf = (html) => /<html[^>]*\blang="([^"]+)"/i.exec(html)?.[1];

test('default is nb: no Accept-Language, an unsupported one, and a Norwegian browser', { timeout: 60_000 }, async () => {
  const plain = await rawGet(`${samling.base}/`);
  assert.equal(plain.status, 200);
  assert.equal(langOf(plain.body), 'nb', 'no Accept-Language at all');
  assert.equal(plain.headers['set-cookie'], undefined, 'no language cookie unless one is chosen');

  const german = await rawGet(`${samling.base}/`, { 'accept-language': 'de-DE,de;q=0.9' });
  assert.equal(langOf(german.body), 'nb', 'an unsupported language falls back to nb');

  const { context, page } = await newPage(browser, { locale: 'nb-NO' });
  try {
    await page.goto(`${samling.base}/`);
    assert.equal(await htmlLang(page), 'nb');
    assert.match(await page.locator('h1').innerText(), /Kommende arrangementer/);
  } finally {
    await context.close();
  }
});

test('?lang=en gives English and a cookie, so the next page without ?lang is English', { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser, { locale: 'nb-NO' });
  try {
    const res = await page.goto(`${samling.base}/?lang=en`);
    assert.equal(res.status(), 200);
    assert.equal(await htmlLang(page), 'en');
    const setCookie = (await res.headerValue('set-cookie')) || '';
    assert.match(setCookie, /samling_lang=en/, `Set-Cookie on ?lang=en: ${setCookie}`);

    const cookies = await context.cookies(samling.base);
    const langCookie = cookies.find((c) => c.value === 'en');
    assert.ok(langCookie, `a cookie remembers English: ${JSON.stringify(cookies)}`);
    assert.equal(langCookie.path, '/');

    // Other pages, no ?lang: still English.
    for (const path of ['/', '/tilgjengelighet', '/networks/demens-vestfold', '/organisations/usht-vestfold']) {
      const r = await page.goto(`${samling.base}${path}`);
      assert.equal(r.status(), 200, `GET ${path}`);
      assert.equal(await htmlLang(page), 'en', `${path} without ?lang after choosing English`);
    }
    const notFound = await page.goto(`${samling.base}/finnes-ikke`);
    assert.equal(notFound.status(), 404);
    assert.equal(await htmlLang(page), 'en', 'the 404 page too');

    // The cookie beats the browser's Norwegian Accept-Language; switching back with the nav link.
    await page.goto(`${samling.base}/`);
    const norsk = page.locator('a[href*="lang=nb"]').first();
    await Promise.all([page.waitForNavigation(), norsk.click()]);
    assert.equal(await htmlLang(page), 'nb', 'the language link switches back');
    await page.goto(`${samling.base}/personvern`);
    assert.equal(await htmlLang(page), 'nb', 'and that choice is remembered too');
  } finally {
    await context.close();
  }
});

test('the "English" link in the menu switches the language', { timeout: 60_000 }, async () => {
  const { context, page } = await newPage(browser, { locale: 'nb-NO' });
  try {
    await page.goto(`${samling.base}/networks/demens-vestfold`);
    assert.equal(await htmlLang(page), 'nb');
    const english = page.locator('a[href*="lang=en"]').first();
    await Promise.all([page.waitForNavigation(), english.click()]);
    assert.equal(new URL(page.url()).pathname, '/networks/demens-vestfold', 'the same page');
    assert.equal(await htmlLang(page), 'en');
  } finally {
    await context.close();
  }
});

test('Accept-Language: en alone gives English', { timeout: 60_000 }, async () => {
  const plain = await rawGet(`${samling.base}/`, { 'accept-language': 'en' });
  assert.equal(plain.status, 200);
  assert.equal(langOf(plain.body), 'en');
  assert.equal(plain.headers['set-cookie'], undefined, 'Accept-Language sets no cookie');

  const { context, page } = await newPage(browser, { locale: 'en', extraHTTPHeaders: { 'Accept-Language': 'en' } });
  try {
    await page.goto(`${samling.base}/`);
    assert.equal(await htmlLang(page), 'en');
    assert.match(await page.locator('h1').innerText(), /[Uu]pcoming/);
    assert.deepEqual(
      (await context.cookies(samling.base)).filter((c) => c.name === 'samling_lang'),
      [],
      'no language cookie from Accept-Language alone',
    );
  } finally {
    await context.close();
  }
});
