// The demo form: reads the fields into an `Input`, validates it (highlighting
// the field each error's JSON path names), evaluates it and shows the
// decision with its reasons. All rules run in the hazard-rules package; this
// file only moves values between the page and the package.

import { init, HazardRules, HazardRulesError } from 'hazard-rules';

const form = /** @type {HTMLFormElement} */ (document.getElementById('report'));
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const COLOURS = { red: '红 red', orange: '橙 orange', yellow: '黄 yellow', blue: '蓝 blue' };
const LEVELS = { major: '重大隐患 major', general: '一般隐患 general' };
const STATUS = {
  not_due: '未到期 not due',
  due_soon: '临期 due soon',
  overdue: '逾期 overdue',
  closed_on_time: '按期销号 closed on time',
  closed_late: '逾期销号 closed late',
  fixed_on_spot: '当场整改 fixed on the spot',
};
/** What kind of reason each trace entry is, in the words a township officer uses. */
const KINDS = { rule: '规则', table: '查表', calendar: '日历', version: '适用版本', note: '说明' };
const SUPERVISING = { township: '乡镇 township', county: '县级 county', city: '市级 city', province: '省级 province' };

let tab = 'hazard';
let lang = /** @type {'zh' | 'en'} */ ('zh');

await init();
const rules = HazardRules.default();
$('chain').textContent = rules
  .info()
  .chain.map((c) => `${c.id}@${c.version}`)
  .join(' → ');

// The as-of date defaults to today (the page's clock; the package reads none).
const asOf = /** @type {HTMLInputElement} */ ($('as_of'));
if (!asOf.value) {
  const d = new Date();
  asOf.value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// ---- reading the form

/** @param {string} name */
function text(name) {
  const el = /** @type {HTMLInputElement | null} */ (form.elements.namedItem(name));
  return el ? el.value.trim() : '';
}
/** @param {string} name */
function checked(name) {
  const el = /** @type {HTMLInputElement | null} */ (form.elements.namedItem(name));
  return Boolean(el?.checked);
}
/** A number, `undefined` when empty. @param {string} name */
function number(name) {
  const v = text(name);
  return v === '' ? undefined : Number(v);
}
/** Drops undefined members; `undefined` if nothing is left. @param {Record<string, unknown>} o */
function compact(o) {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return Object.keys(out).length ? out : undefined;
}
/** An AB post from `<prefix>.name`, `.backup`, `.absent`. @param {string} prefix */
function post(prefix) {
  const name = text(`${prefix}.name`);
  if (!name) return undefined;
  return compact({ name, backup: text(`${prefix}.backup`) || undefined, absent: checked(`${prefix}.absent`) || undefined });
}

function readEvents() {
  return [...document.querySelectorAll('#events tbody tr')].map((row) => {
    const field = (/** @type {string} */ f) =>
      /** @type {HTMLInputElement} */ (row.querySelector(`[data-field="${f}"]`)).value.trim();
    const days = field('extension_days');
    return compact({ stage: field('stage'), on: field('on'), extension_days: days === '' ? undefined : Number(days) });
  });
}

function readHazardTab() {
  const level = text('hazard.listing.level');
  const tenant = text('hazard.enterprise.tenant_of.name');
  const enterprise = compact({
    principal: post('hazard.enterprise.principal'),
    department_head: post('hazard.enterprise.department_head'),
    tenant_of: tenant ? { name: tenant, kind: text('hazard.enterprise.tenant_of.kind') } : undefined,
  });
  const location = compact({
    county: text('hazard.location.county') || undefined,
    village: text('hazard.location.village') || undefined,
    grid: text('hazard.location.grid') || undefined,
    grid_member: post('hazard.location.grid_member'),
    township_lead: post('hazard.location.township_lead'),
  });
  const township = text('hazard.location.township');
  const hazard = {
    sector: text('hazard.sector'),
    items: text('hazard.items')
      .split(/[\s,，、;；]+/)
      .filter(Boolean),
    // Required dates go in even when empty, so the error names this field.
    found_on: text('hazard.found_on'),
    description: text('hazard.description') || undefined,
    facts: {
      needs_suspension: checked('hazard.facts.needs_suspension'),
      cannot_self_remove: checked('hazard.facts.cannot_self_remove'),
      fixed_on_spot: checked('hazard.facts.fixed_on_spot'),
    },
    listing: level ? { level, listed_on: text('hazard.listing.listed_on') } : undefined,
    events: readEvents(),
    location: location || township ? { ...location, township } : undefined,
    enterprise:
      enterprise || text('hazard.enterprise.name')
        ? { name: text('hazard.enterprise.name'), ...enterprise }
        : undefined,
  };
  const method = text('risk.method');
  const risk = method
    ? {
        points: [
          // `l` is required: null (not missing) when empty, so the error names the L field.
          compact({ method, l: number('risk.l') ?? null, e: number('risk.e'), c: number('risk.c'), s: number('risk.s') }),
        ],
      }
    : undefined;
  return compact({ hazard, risk });
}

function readAccidentTab() {
  const accidentFilled = ['accident.deaths', 'accident.serious_injuries', 'accident.direct_loss_cny', 'accident.occurred_on'].some(
    (n) => text(n) !== '',
  );
  const accident = accidentFilled
    ? compact({
        kind: text('accident.kind'),
        deaths: number('accident.deaths'),
        serious_injuries: number('accident.serious_injuries'),
        direct_loss_cny: number('accident.direct_loss_cny'),
        occurred_on: text('accident.occurred_on') || undefined,
      })
    : undefined;
  const hours = number('warning.typhoon.within_hours');
  const force = number('warning.typhoon.sustained_force');
  const typhoon =
    hours !== undefined || force !== undefined
      ? compact({ within_hours: hours ?? null, sustained_force: force ?? null, gust_force: number('warning.typhoon.gust_force') })
      : undefined;
  const rainstorm = text('warning.signals.rainstorm');
  const warning = compact({
    region: text('warning.region') || undefined,
    typhoon,
    signals: rainstorm ? { rainstorm } : undefined,
    rainfall_1h_mm: number('warning.rainfall_1h_mm'),
    rainfall_24h_mm: number('warning.rainfall_24h_mm'),
    water_level_m: number('warning.water_level_m'),
    warning_level_m: number('warning.warning_level_m'),
    guarantee_level_m: number('warning.guarantee_level_m'),
  });
  return compact({ accident, warning });
}

function readChecklistTab() {
  const boxes = /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll('#checklist_items input[type="checkbox"]')]);
  /** @type {Record<string, string>} */
  const evidence = {};
  for (const d of /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll('#checklist_items input[type="date"]')])) {
    if (d.value) evidence[/** @type {string} */ (d.dataset.item)] = d.value;
  }
  return {
    checklist: {
      id: text('checklist.id'),
      // The name is required: sent even when empty, so the error names this field.
      subject: { name: text('checklist.subject.name'), kind: 'village', township: text('checklist.subject.township') || undefined },
      items: boxes.filter((b) => b.checked).map((b) => b.value),
      evidence,
    },
  };
}

/**
 * The checklist's items as tick boxes, read from the ruleset itself: a
 * decision on an empty list has every item (`standardisation.items`).
 */
function buildChecklistItems() {
  const box = $('checklist_items');
  const id = text('checklist.id');
  const d = rules.evaluate(
    { checklist: { id, subject: { name: '-', kind: 'village' }, items: [] } },
    { asOf: asOf.value || '2024-06-30', trace: 'off' },
  );
  box.replaceChildren(
    ...(d.standardisation?.items ?? []).map((it) => {
      const row = document.createElement('div');
      row.className = 'item';
      const label = document.createElement('label');
      const tick = document.createElement('input');
      tick.type = 'checkbox';
      tick.value = it.id;
      tick.id = `item-${it.id}`;
      label.append(tick, ` ${it.zh} ${it.en}${it.mandatory ? '' : '（选配 optional）'}`);
      row.append(label);
      if (it.fresh_days != null) {
        const date = document.createElement('input');
        date.type = 'date';
        date.dataset.item = it.id;
        date.dataset.path = `checklist.evidence.${it.id}`;
        date.id = `evidence-${it.id}`;
        date.title = `${it.fresh_days}日内 within ${it.fresh_days} days`;
        row.append(date);
      }
      return row;
    }),
  );
  box.dataset.checklist = id;
}

// ---- showing problems

/** The element for a JSON path: the field itself, else its nearest ancestor path. @param {string} path */
function fieldFor(path) {
  let p = path;
  while (p) {
    const el = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (el) return /** @type {HTMLElement} */ (el);
    p = p.replace(/(\[\d+\]|\.[^.[]+)$/, '');
  }
  return null;
}

function clearProblems() {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    el.classList.remove('invalid');
    el.removeAttribute('title');
  }
  $('problems').hidden = true;
  $('problems').replaceChildren();
}

/** @param {{path?: string, message: string}[]} problems */
function showProblems(problems) {
  const box = $('problems');
  box.hidden = false;
  for (const p of problems) {
    const el = p.path !== undefined ? fieldFor(p.path) : null;
    if (el) {
      el.classList.add('invalid');
      el.setAttribute('aria-invalid', 'true');
      el.title = p.message;
    }
    const line = document.createElement('p');
    line.className = 'problem';
    line.dataset.path = p.path ?? '';
    line.textContent = p.message;
    box.append(line);
  }
}

// ---- showing the decision

/** @param {string} id @param {string} value @param {string} [cls] */
function show(id, value, cls) {
  const el = $(id);
  el.textContent = value;
  el.className = cls ?? '';
}

/** @param {import('hazard-rules').Decision} d */
function render(d) {
  const c = d.classification;
  show('level', c ? (LEVELS[c.level] ?? c.level) : '–', c ? `level-${c.level}` : '');
  $('level').dataset.level = c?.level ?? '';

  const r = d.rectification;
  show('due', r ? (r.due ?? STATUS[r.status] ?? r.status) : '–');
  $('due').dataset.due = r?.due ?? '';
  $('due-detail').textContent = r
    ? [
        r.period_days != null ? `${r.period_days}日 days from ${r.start}` : '',
        STATUS[r.status] ?? r.status,
        r.days_left != null ? `剩余 ${r.days_left} 日 days left` : '',
        r.overdue_days != null ? `逾期 ${r.overdue_days} 日 days overdue` : '',
        ...(r.escalation ?? []),
      ]
        .filter(Boolean)
        .join(' · ')
    : '';

  // A deadline counted into a year whose holiday notice is not out yet.
  $('provisional').hidden = !r?.provisional;
  $('provisional').title = r?.provisional_note ?? '';
  $('due').dataset.provisional = String(Boolean(r?.provisional));

  const level = d.responsibility?.supervising_level;
  show('supervising', level ? (SUPERVISING[level] ?? level) : '–');

  const a = d.response?.accident;
  const w = d.response?.warning;
  const parts = [];
  if (a) parts.push(`事故 ${a.grade_zh} (${a.grade}) · 调查 ${a.investigated_by} · 报至 ${a.reported_up_to}`);
  if (w) parts.push(w.level ? `预警响应 ${w.level}级 ${COLOURS[w.colour ?? ''] ?? ''}` : '预警：未达响应条件 no response level');
  show('response', parts.length ? parts.join('；') : '–', w?.colour ? `colour-${w.colour}` : '');
  $('response').dataset.colour = w?.colour ?? '';

  const s = d.standardisation;
  show(
    'checklist',
    s
      ? `${s.mandatory_done}/${s.mandatory_total} ${s.complete ? '完成 complete' : '未完成 incomplete'} · ${Math.round(s.share_done * 100)}%`
      : '–',
    s ? (s.complete ? 'complete' : 'incomplete') : '',
  );
  $('checklist').dataset.complete = s ? String(s.complete) : '';
  $('missing').replaceChildren(
    ...(s?.items ?? [])
      .filter((it) => it.status === 'stale' || (it.status === 'missing' && it.mandatory))
      .map((it) => {
        const li = document.createElement('li');
        li.dataset.item = it.id;
        li.dataset.status = it.status;
        li.textContent = `${it.status === 'stale' ? '佐证过期或无日期 stale' : '缺 missing'}：${it.zh} ${it.en}`;
        return li;
      }),
  );

  const point = d.risk?.points[0];
  const colour = point?.colour ?? d.risk?.unit?.colour ?? w?.colour;
  show(
    'colour',
    colour ? `${COLOURS[colour] ?? colour}${point ? ` (${point.method} ${point.score}, ${point.grade})` : ''}` : '–',
    colour ? `colour-${colour}` : '',
  );
  $('colour').dataset.colour = colour ?? '';

  const people = /** @type {HTMLElement} */ ($('people').querySelector('tbody'));
  people.replaceChildren(
    ...(d.responsibility?.assignments ?? []).map((x) => {
      const tr = document.createElement('tr');
      for (const v of [x.role, x.post, x.person ? (x.acting_for ? `${x.person}（代 ${x.acting_for}）` : x.person) : '']) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }),
  );

  // The reasons as sentences, in Chinese first: what the rule or row says,
  // then (small) which kind of reason it is, its id and the ruleset it came from.
  $('trace').replaceChildren(
    ...d.trace.map((t) => {
      const li = document.createElement('li');
      li.className = `trace-${t.kind}`;
      li.dataset.id = t.id;
      const body = document.createElement('span');
      body.textContent = (lang === 'zh' ? t.zh : t.en) || t.zh || t.en;
      const kind = document.createElement('b');
      kind.textContent = lang === 'zh' ? (KINDS[t.kind] ?? t.kind) : t.kind;
      const source = document.createElement('code');
      source.textContent = `${t.id}${t.row ? `[${t.row}]` : ''} · ${t.ruleset}`;
      li.append(kind, ' ', body, ' ', source);
      return li;
    }),
  );
}

// ---- live update

let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    update();
  });
}

function update() {
  clearProblems();
  const input = (tab === 'hazard' ? readHazardTab() : tab === 'accident' ? readAccidentTab() : readChecklistTab()) ?? {};
  const options = { asOf: asOf.value };
  try {
    const v = rules.validate(input, options);
    if (!v.valid) {
      showProblems(v.errors);
      document.body.dataset.state = 'invalid';
      $('results').classList.add('stale');
      return;
    }
    // The form shows the reasons, so it asks for the trace's sentences.
    render(rules.evaluate(input, { ...options, trace: 'full' }));
    $('results').classList.remove('stale');
    document.body.dataset.state = 'ready';
  } catch (e) {
    // Ruleset and limit errors: not a field's fault.
    if (!(e instanceof HazardRulesError)) throw e;
    showProblems([{ message: `${e.name}: ${e.message}` }]);
    document.body.dataset.state = 'error';
  }
}

$('checklist_id').addEventListener('change', buildChecklistItems);
buildChecklistItems();

form.addEventListener('input', schedule);
form.addEventListener('change', schedule);

for (const button of document.querySelectorAll('[role="tab"]')) {
  button.addEventListener('click', () => {
    tab = button.id.replace('tab-', '');
    for (const b of document.querySelectorAll('[role="tab"]')) {
      const on = b === button;
      b.setAttribute('aria-selected', String(on));
      $(/** @type {string} */ (b.getAttribute('aria-controls'))).hidden = !on;
    }
    schedule();
  });
}

function renumberEvents() {
  document.querySelectorAll('#events tbody tr').forEach((row, i) => {
    for (const el of row.querySelectorAll('[data-field]')) {
      /** @type {HTMLElement} */ (el).dataset.path = `hazard.events[${i}].${/** @type {HTMLElement} */ (el).dataset.field}`;
    }
  });
}
$('add-event').addEventListener('click', () => {
  const row = /** @type {HTMLTemplateElement} */ ($('event-row')).content.firstElementChild?.cloneNode(true);
  if (!(row instanceof HTMLElement)) return;
  const count = document.querySelectorAll('#events tbody tr').length;
  /** @type {HTMLSelectElement} */ (row.querySelector('[data-field="stage"]')).selectedIndex = Math.min(count, 4);
  row.querySelector('.remove')?.addEventListener('click', () => {
    row.remove();
    renumberEvents();
    schedule();
  });
  $('events').querySelector('tbody')?.append(row);
  renumberEvents();
  schedule();
});
$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  $('lang').textContent = lang === 'zh' ? 'English' : '中文';
  schedule();
});

update();
document.body.dataset.loaded = 'true';
