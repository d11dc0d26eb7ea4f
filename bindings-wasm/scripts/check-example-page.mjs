// Opens DIR/index.html (the README's browser example, in a project that
// installed the packed tarball) in headless Chromium from a static server on
// 127.0.0.1 and checks what it shows.
//
//   node scripts/check-example-page.mjs DIR
import { chromium } from 'playwright-core';
import { serve } from '../test/server.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: check-example-page.mjs DIR');
const server = await serve(dir);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => !document.getElementById('out')?.textContent?.startsWith('…'), null, { timeout: 10_000 });
  const text = (await page.textContent('#out')) ?? '';
  console.log(text);
  for (const want of ['major', '2021-10-08', 'red']) {
    if (!text.includes(want)) throw new Error(`the README's page shows no "${want}"`);
  }
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
