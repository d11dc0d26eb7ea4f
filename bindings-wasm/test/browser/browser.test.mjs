// End to end in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core), served from 127.0.0.1: the shared conformance cases, the
// error classes, a runaway rule stopped by the sandbox, a bundle, and the
// demo form — fill it, check the level, deadline and colour shown, check an
// invalid field is highlighted, save screenshots to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { launchChromium } from '../chromium.mjs';
import { serve, repoRoot } from '../server.mjs';
import { conformanceCases, bundlePath, rulesetTree } from '../node/helpers.mjs';
import { RUNAWAY_RULE } from '../shared.mjs';

const artifacts = `${repoRoot}tests/artifacts/`;

/** @type {{url: string, close: () => Promise<unknown>}} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** Every URL any page requested: all must be on the local server. */
const requested = [];
/** Uncaught errors and console errors of every page. */
const pageErrors = [];

before(async () => {
  server = await serve();
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page on `path`, its requests and errors recorded. @param {string} path */
async function open(path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${path}: ${m.text()}`);
  });
  await page.goto(server.url + path);
  return page;
}

const HARNESS = '/bindings-wasm/test/browser/harness.html';

test('the conformance cases give the golden decisions in Chromium', async () => {
  const cases = conformanceCases();
  const page = await open(HARNESS);
  const results = await page.evaluate(async (cases) => {
    const api = await import('hazard-rules');
    await api.initScripted(); // the cases of the other embedded rulesets load from their files
    const shared = '/bindings-wasm/test/shared.mjs'; // a URL on the test server
    const { runCases } = /** @type {typeof import('../shared.mjs')} */ (await import(shared));
    return runCases(api, cases);
  }, cases);
  assert.equal(results.length, cases.length);
  for (const [i, c] of cases.entries()) {
    const r = results[i];
    assert.deepStrictEqual(r.decision, c.decision, c.file);
    if (c.error) {
      assert.equal(r.error?.code, c.error.kind, c.file);
      assert.equal(r.error?.isError, true, c.file);
      if (c.error.kind === 'input') {
        assert.equal(r.error?.class, 'InputError', c.file);
        assert.equal(r.error?.path, c.error.path, c.file);
      }
    } else {
      assert.equal(r.error, undefined, c.file);
    }
  }
  await page.context().close();
});

test("every ruleset's own test cases pass in Chromium", async () => {
  const { files, leaves } = rulesetTree();
  const page = await open(HARNESS);
  const results = await page.evaluate(
    async ({ files, leaves }) => {
      const api = await import('hazard-rules');
      await api.initScripted();
      const glue = '/bindings-wasm/dist/wasm/scripted/hazard_rules_scripted.js'; // the module initScripted() loaded
      const { __runRulesetCases } = /** @type {typeof import('../../dist/wasm/scripted/hazard_rules_scripted.js')} */ (await import(glue));
      return leaves.map((leaf) => ({ leaf, answer: JSON.parse(__runRulesetCases(JSON.stringify({ leaf, files }))) }));
    },
    { files, leaves },
  );
  let total = 0;
  for (const { leaf, answer } of results) {
    assert.ok(answer.ok, `${leaf}: ${JSON.stringify(answer.error)}`);
    assert.ok(answer.ok.cases > 0, leaf);
    assert.deepStrictEqual(answer.ok.failures, [], leaf);
    total += answer.ok.cases;
  }
  assert.ok(total >= 100, `only ${total} cases`);
  await page.context().close();
});

test('a bundle, error classes and a runaway rule in Chromium', async () => {
  const bundle = readFileSync(bundlePath(), 'utf8');
  const page = await open(HARNESS);
  const out = await page.evaluate(
    async ({ bundle, runaway }) => {
      const api = await import('hazard-rules');
      await api.init();
      const shared = '/bindings-wasm/test/shared.mjs'; // a URL on the test server
      const { overlay } = /** @type {typeof import('../shared.mjs')} */ (await import(shared));
      const catchIt = (/** @type {() => unknown} */ f) => {
        try {
          f();
          return null;
        } catch (e) {
          return e;
        }
      };
      const input = { hazard: { sector: 'metallurgy', found_on: '2021-09-01', listing: { level: 'county', listed_on: '2021-09-01' } } };
      const fromBundle = api.HazardRules.fromBundle(bundle).evaluate(input, { asOf: '2021-09-15' });
      const fromDefault = api.HazardRules.default().evaluate(input, { asOf: '2021-09-15' });

      const bad = catchIt(() => api.HazardRules.default().evaluate({ hazard: { sector: 'shipyard', found_on: '2024-03-05' } }, { asOf: '2024-06-30' }));
      const broken = catchIt(() => api.HazardRules.fromBundle('{"format": 1'));

      // Files need the scripted module, which only loads when asked for.
      const notYet = catchIt(() => api.HazardRules.fromFiles(overlay({}, {})));
      const coreOnly = performance.getEntriesByType('resource').some((r) => r.name.includes('scripted'));
      await api.initScripted();
      const demo = api.HazardRules.fromFiles(overlay(api.embeddedFiles(), { 'rules/loop.rhai': runaway }));
      const t0 = performance.now();
      const limit = catchIt(() => demo.evaluate({ risk: { points: [] } }, { asOf: '2024-01-01' }));
      const limitMs = performance.now() - t0;
      const after = demo.evaluate({ accident: { deaths: 3 } }, { asOf: '2024-01-01' }).response?.accident?.grade;
      const describe = (/** @type {any} */ e) =>
        e && {
          isError: e instanceof Error,
          isHazardRulesError: e instanceof api.HazardRulesError,
          isInput: e instanceof api.InputError,
          isRuleset: e instanceof api.RulesetError,
          isLimit: e instanceof api.LimitError,
          type: typeof e,
          name: e.name,
          code: e.code,
          message: e.message,
          path: e.path,
          file: e.file,
          line: e.line,
          column: e.column,
          rule: e.rule,
          limit: e.limit,
        };
      return {
        same: JSON.stringify(fromBundle) === JSON.stringify(fromDefault),
        due: fromBundle.rectification?.due,
        bad: describe(bad),
        broken: describe(broken),
        limit: describe(limit),
        limitMs,
        after,
        notYet: notYet && String(/** @type {any} */ (notYet).message),
        coreOnly,
        bundleModule: api.HazardRules.fromBundle(bundle).module,
      };
    },
    { bundle, runaway: RUNAWAY_RULE },
  );
  assert.equal(out.same, true);
  assert.equal(out.due, '2021-10-08');
  // A bundle with its compiled plan loads in the core module; the scripted
  // one was not fetched until files asked for it.
  assert.equal(out.bundleModule, 'core');
  assert.equal(out.coreOnly, false);
  assert.match(String(out.notYet), /needs the scripted module/);

  assert.equal(out.bad?.isInput, true);
  assert.equal(out.bad?.isError, true);
  assert.equal(out.bad?.name, 'InputError');
  assert.equal(out.bad?.path, 'hazard.sector');

  assert.equal(out.broken?.isRuleset, true);
  assert.equal(out.broken?.file, '<bundle>');
  assert.equal(out.broken?.line, 1);

  assert.equal(out.limit?.isLimit, true, JSON.stringify(out.limit));
  assert.equal(out.limit?.isError, true);
  assert.equal(out.limit?.code, 'limit');
  assert.equal(out.limit?.rule, 'score_risk');
  assert.equal(out.limit?.file, 'demo/rules/loop.rhai');
  assert.equal(out.limit?.message, 'rule `score_risk` stopped: too many operations (in demo/rules/loop.rhai)');
  assert.ok(out.limitMs < 10_000, `the runaway rule took ${out.limitMs} ms to stop`);
  assert.equal(out.after, 'large');
  await page.context().close();
});

/**
 * Waits until `selector`'s `data-<key>` is `value`.
 * @param {import('playwright-core').Page} page @param {string} selector @param {string} key @param {string} value
 */
async function waitData(page, selector, key, value) {
  try {
    await page.waitForFunction(
      ({ selector, key, value }) => document.querySelector(selector)?.getAttribute(`data-${key}`) === value,
      { selector, key, value },
      { timeout: 5000 },
    );
  } catch {
    const actual = await page.getAttribute(selector, `data-${key}`);
    const problems = await page.textContent('#problems');
    assert.fail(`${selector} data-${key}: expected ${value}, got ${actual} (problems: ${problems})`);
  }
}

test('the demo form: live results, highlighted fields, screenshots', async () => {
  const page = await open('/bindings-wasm/examples/form/');
  await page.waitForFunction(() => document.body.dataset.loaded === 'true', null, { timeout: 10_000 });
  assert.match((await page.textContent('#chain')) ?? '', /^national@[\d.]+ → zhejiang@[\d.]+ → jinhua@[\d.]+$/);

  // A hazard report: a dust-explosion item in light industry, listed by the county.
  await page.fill('#as_of', '2021-09-20');
  await page.selectOption('#sector', 'light_industry');
  await page.fill('#items', 'GM17-1-1');
  await page.fill('#found_on', '2021-09-01');
  await page.selectOption('#listing_level', 'county');
  await page.fill('#listed_on', '2021-09-01');
  await page.fill('#enterprise', '某木制品厂');
  await page.fill('#principal', '赵永强');
  await page.fill('#principal_backup', '钱海');
  await page.check('#principal_absent');
  await page.fill('#township', '城北街道');
  await page.fill('#grid_member', '王丽');
  await page.selectOption('#risk_method', 'LEC');
  await page.fill('#risk_l', '6');
  await page.fill('#risk_e', '6');
  await page.fill('#risk_c', '15');

  await waitData(page, '#colour', 'colour', 'red');
  await waitData(page, '#level', 'level', 'major');
  await waitData(page, '#due', 'due', '2021-10-08'); // day 30 is 1 October: after the National Day holiday
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready');
  assert.match((await page.textContent('#level')) ?? '', /重大隐患 major/);
  assert.equal(await page.textContent('#due'), '2021-10-08');
  assert.match((await page.textContent('#colour')) ?? '', /红 red \(LEC 540/);
  assert.match((await page.textContent('#supervising')) ?? '', /county/);
  const people = (await page.textContent('#people tbody')) ?? '';
  assert.match(people, /钱海（代 赵永强）/); // the backup acts for the absent principal
  assert.ok((await page.locator('#trace li').count()) >= 8);
  assert.match((await page.textContent('#trace')) ?? '', /civil_code_201_203/);
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);
  // The reasons read as sentences, Chinese first, the rule's id below.
  assert.match(
    (await page.textContent('#trace li[data-id="civil_code_201_203"]')) ?? '',
    /^日历 自2021-09-01起算30日.*顺延至2021-10-08 civil_code_201_203/,
  );
  assert.equal(await page.isVisible('#provisional'), false);
  await page.screenshot({ path: `${artifacts}wasm-form-hazard.png`, fullPage: true });

  // An unknown catalogue item: validate names hazard.items[1]; the field is highlighted.
  await page.fill('#items', 'GM17-1-1, GM-99-9');
  await page.waitForSelector('#items[aria-invalid="true"]', { timeout: 5000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'invalid');
  assert.match((await page.textContent('#problems')) ?? '', /hazard\.items\[1\]/);
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 1);
  await page.screenshot({ path: `${artifacts}wasm-form-invalid.png`, fullPage: true });

  // Fixed again; then an L value the LEC table does not allow.
  await page.fill('#items', 'GM17-1-1');
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);
  await page.fill('#risk_l', '7');
  await page.waitForSelector('#risk_l[aria-invalid="true"]', { timeout: 5000 });
  assert.match((await page.textContent('#problems')) ?? '', /risk\.points\[0\]\.l/);
  await page.fill('#risk_l', '6');
  await waitData(page, '#colour', 'colour', 'red');

  // The accident and warning tab.
  await page.click('#tab-accident');
  assert.equal(await page.isVisible('#panel-hazard'), false);
  await page.fill('#deaths', '3');
  await page.fill('#occurred_on', '2021-09-03');
  await page.fill('#typhoon_hours', '12');
  await page.fill('#typhoon_force', '10');
  await waitData(page, '#response', 'colour', 'orange');
  const response = (await page.textContent('#response')) ?? '';
  assert.match(response, /较大事故 \(large\)/);
  assert.match(response, /II级/);
  await waitData(page, '#colour', 'colour', 'orange');
  await page.screenshot({ path: `${artifacts}wasm-form-accident.png`, fullPage: true });

  // Negative deaths: the field is highlighted.
  await page.fill('#deaths', '-1');
  await page.waitForSelector('#deaths[aria-invalid="true"]', { timeout: 5000 });

  // The village checklist tab: the items come from the ruleset; what is
  // missing shrinks as the user ticks items.
  await page.click('#tab-checklist');
  await page.fill('#as_of', '2024-06-30');
  assert.equal(await page.locator('#checklist_items input[type="checkbox"]').count(), 7);
  await waitData(page, '#checklist', 'complete', 'false');
  assert.equal(await page.locator('#missing li').count(), 7);
  for (const item of ['grid_list', 'evacuation_map', 'monitoring_warning', 'shelter', 'emergency_supplies', 'warning_signs']) {
    await page.check(`#item-${item}`);
  }
  await page.waitForFunction(() => document.querySelectorAll('#missing li').length === 1);
  assert.match((await page.textContent('#missing')) ?? '', /一次培训演练/);
  // The drill ticked without a date is stale; dated last month it is done.
  await page.check('#item-drill');
  await page.waitForSelector('#missing li[data-status="stale"]', { timeout: 5000 });
  await page.fill('#evidence-drill', '2024-05-18');
  await waitData(page, '#checklist', 'complete', 'true');
  assert.equal(await page.locator('#missing li').count(), 0);
  assert.match((await page.textContent('#checklist')) ?? '', /7\/7/);
  await page.screenshot({ path: `${artifacts}wasm-form-checklist.png`, fullPage: true });
  // A drill dated after the as-of day: the date field is highlighted.
  await page.fill('#evidence-drill', '2024-07-01');
  await page.waitForSelector('#evidence-drill[aria-invalid="true"]', { timeout: 5000 });
  // The 3+4+X list: its own items, two of them optional.
  await page.selectOption('#checklist_id', 'village_equipment');
  await page.waitForFunction(() => document.querySelectorAll('#checklist_items input[type="checkbox"]').length === 9);

  // A deadline counted into 2027, whose holiday notice is not out: flagged.
  await page.click('#tab-hazard');
  await page.fill('#as_of', '2026-12-20');
  await page.fill('#items', 'GM-11-1');
  await page.fill('#found_on', '2026-12-15');
  await page.fill('#listed_on', '2026-12-15');
  await waitData(page, '#due', 'provisional', 'true');
  assert.equal(await page.isVisible('#provisional'), true);
  assert.match((await page.getAttribute('#provisional', 'title')) ?? '', /2027/);
  await page.screenshot({ path: `${artifacts}wasm-form-provisional.png`, fullPage: true });
  await page.context().close();
});

test('everything came from the local server, with no page errors', () => {
  assert.ok(requested.length > 0);
  const elsewhere = requested.filter((u) => !u.startsWith(server.url + '/'));
  assert.deepStrictEqual(elsewhere, []);
  assert.deepStrictEqual(pageErrors, []);
});
