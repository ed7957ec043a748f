// ggzy public notice board: vanilla JS, no build step. API strings are only ever
// rendered with textContent / createElement, never innerHTML.
'use strict';

const I18N = {
  zh: {
    appName: '公共资源交易平台 · GGZY', skip: '跳到主要内容', siteNav: '站点导航',
    noticeBoard: '公告栏', langSwitch: 'English', langSwitchLabel: 'Switch to English',
    loading: '加载中…', filters: '筛选条件', category: '交易类别', league: '交易中心', status: '状态',
    q: '关键词', qPlaceholder: '项目名称或编号', all: '全部', search: '搜索', reset: '重置',
    reference: '项目编号', method: '交易方式', budget: '预算金额', bidDeadline: '投标截止',
    publishedAt: '发布时间', results: '共 {total} 条', empty: '没有符合条件的项目。',
    prev: '上一页', next: '下一页', pageOf: '第 {page} / {pages} 页', pagination: '分页',
    error: '出错了', errorGeneric: '无法加载数据，请稍后重试。', networkError: '网络错误，请检查连接后重试。',
    retry: '重试', back: '← 返回公告栏', tenderer: '招标人/采购人', agent: '代理机构', none: '无',
    amendment: '第 {n} 次变更', description: '项目概况', keyDates: '关键时间',
    docsAvailable: '文件获取开始时间', clarDeadline: '澄清截止时间', bidDeadlineOpening: '投标截止时间（即开标时间）',
    publicityDays: '公示期', days: '{n} 天', lots: '标段（包）', lotNo: '编号', lotTitle: '名称',
    lotDesc: '说明', evaluation: '评标办法', evalMethod: '评标方法', criteria: '评分因素',
    critName: '评分项', critKind: '类型', weight: '分值（满分 100）', points: '{n} 分', priceFormula: '价格分计算',
    documents: '招标文件', docTitle: '文件', filename: '文件名', size: '大小', sha256: 'SHA-256',
    download: '下载', unpublished: '未发布', notices: '公告记录', seq: '序号', kind: '类型', title: '标题',
    clarifications: '答疑澄清', clarNo: '编号', question: '问题', answer: '答复', answeredAt: '答复时间',
    nothing: '暂无', opendata: '开放数据（OCDS）', apiDocs: 'API 文档（JSON）', opendataFeed: '开放数据（OCDS）',
    notFound: '页面不存在', home: '返回首页',
    pf: {
      lowest_price_base: '低价优先法：以满足要求的最低有效报价为评标基准价，价格得分 =（评标基准价 ÷ 投标报价）× 价格满分。',
      average_deviation: '平均值偏差法：以有效报价的算术平均值为评标基准价；报价每高于基准价 1% 扣 {above} 分，每低于基准价 1% 扣 {below} 分。',
    },
    enum: {
      category: { government_procurement: '政府采购', engineering_construction: '工程建设', land_mining_rights: '土地矿业权', state_owned_property: '国有产权' },
      method: { open_tendering: '公开招标', invited_tendering: '邀请招标', competitive_negotiation: '竞争性谈判', competitive_consultation: '竞争性磋商', inquiry: '询价', single_source: '单一来源', auction: '拍卖', listing: '挂牌' },
      status: { draft: '草稿', published: '招标中', opening: '开标中', evaluating: '评标中', candidates_publicised: '候选人公示', awarded: '已定标', closed: '已结束', cancelled: '已终止', failed: '流标' },
      kind: { tender: '招标公告', amendment: '变更公告', clarification: '澄清公告', cancellation: '终止公告', failure: '流标公告', candidates: '中标候选人公示', award: '中标结果公告', closure: '结束公告' },
      critKind: { technical: '技术', commercial: '商务', price: '价格' },
      evalMethod: { comprehensive_scoring: '综合评分法', lowest_evaluated_price: '经评审的最低投标价法' },
    },
  },
  en: {
    appName: 'Public Resource Trading Platform · GGZY', skip: 'Skip to main content', siteNav: 'Site navigation',
    noticeBoard: 'Notice board', langSwitch: '中文', langSwitchLabel: '切换到中文',
    loading: 'Loading…', filters: 'Filters', category: 'Category', league: 'Trading centre', status: 'Status',
    q: 'Keywords', qPlaceholder: 'Title or reference', all: 'All', search: 'Search', reset: 'Reset',
    reference: 'Reference', method: 'Method', budget: 'Budget', bidDeadline: 'Bid deadline',
    publishedAt: 'Published', results: '{total} results', empty: 'No tenders match these filters.',
    prev: 'Previous', next: 'Next', pageOf: 'Page {page} of {pages}', pagination: 'Pagination',
    error: 'Something went wrong', errorGeneric: 'Could not load data. Please try again later.', networkError: 'Network error. Check your connection and try again.',
    retry: 'Retry', back: '← Back to notice board', tenderer: 'Tenderer', agent: 'Agent', none: 'None',
    amendment: 'Amendment {n}', description: 'Description', keyDates: 'Key dates',
    docsAvailable: 'Documents available from', clarDeadline: 'Clarification deadline', bidDeadlineOpening: 'Bid deadline (= opening time)',
    publicityDays: 'Publicity period', days: '{n} days', lots: 'Lots', lotNo: 'No.', lotTitle: 'Title',
    lotDesc: 'Description', evaluation: 'Evaluation', evalMethod: 'Evaluation method', criteria: 'Criteria',
    critName: 'Criterion', critKind: 'Kind', weight: 'Points (of 100)', points: '{n} pts', priceFormula: 'Price score',
    documents: 'Documents', docTitle: 'Document', filename: 'File name', size: 'Size', sha256: 'SHA-256',
    download: 'Download', unpublished: 'unpublished', notices: 'Notice history', seq: 'No.', kind: 'Kind', title: 'Title',
    clarifications: 'Clarifications', clarNo: 'No.', question: 'Question', answer: 'Answer', answeredAt: 'Answered',
    nothing: 'None yet', opendata: 'Open data (OCDS)', apiDocs: 'API docs (JSON)', opendataFeed: 'Open data feed (OCDS)',
    notFound: 'Page not found', home: 'Go to the notice board',
    pf: {
      lowest_price_base: 'Lowest price as base: the lowest valid bid is the base price; price score = (base price ÷ bid price) × max price score.',
      average_deviation: 'Average deviation: the mean of valid bids is the base price; deduct {above} point(s) per 1% above it and {below} point(s) per 1% below it.',
    },
    enum: {
      category: { government_procurement: 'Government procurement', engineering_construction: 'Engineering construction', land_mining_rights: 'Land & mining rights', state_owned_property: 'State-owned property' },
      method: { open_tendering: 'Open tendering', invited_tendering: 'Invited tendering', competitive_negotiation: 'Competitive negotiation', competitive_consultation: 'Competitive consultation', inquiry: 'Request for quotation', single_source: 'Single source', auction: 'Auction', listing: 'Listing' },
      status: { draft: 'Draft', published: 'Open for bids', opening: 'Opening', evaluating: 'Evaluating', candidates_publicised: 'Candidates publicised', awarded: 'Awarded', closed: 'Closed', cancelled: 'Cancelled', failed: 'Failed' },
      kind: { tender: 'Tender notice', amendment: 'Amendment', clarification: 'Clarification', cancellation: 'Cancellation', failure: 'Failure notice', candidates: 'Candidates', award: 'Award', closure: 'Closure' },
      critKind: { technical: 'Technical', commercial: 'Commercial', price: 'Price' },
      evalMethod: { comprehensive_scoring: 'Comprehensive scoring', lowest_evaluated_price: 'Lowest evaluated price' },
    },
  },
};
const ENUMS = {
  category: Object.keys(I18N.zh.enum.category),
  status: Object.keys(I18N.zh.enum.status),
};
const LOCALES = { zh: 'zh-CN', en: 'en' };
const PER_PAGE = 20;

// ---------- language ----------
let lang = (() => {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh') { try { localStorage.setItem('ggzy.lang', fromUrl); } catch (_) {} return fromUrl; }
  try { const s = localStorage.getItem('ggzy.lang'); if (s === 'en' || s === 'zh') return s; } catch (_) {}
  return 'zh';
})();
const locale = () => LOCALES[lang];

function t(key, vars) {
  const look = (d) => key.split('.').reduce((o, k) => (o == null ? o : o[k]), d);
  let s = look(I18N[lang]);
  if (s == null) s = look(I18N.zh);
  if (typeof s !== 'string') return key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}
const tEnum = (group, value) => {
  const s = I18N[lang].enum[group]?.[value];
  return s ?? (value == null ? '—' : String(value));
};

function setLang(next) {
  lang = next;
  try { localStorage.setItem('ggzy.lang', lang); } catch (_) {}
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) { url.searchParams.set('lang', lang); history.replaceState(history.state, '', url); }
  applyStatic();
  route();
}

function applyStatic() {
  document.documentElement.lang = locale();
  document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll('[data-i18n-aria]').forEach((n) => n.setAttribute('aria-label', t(n.dataset.i18nAria)));
  const btn = document.getElementById('lang-toggle');
  btn.textContent = t('langSwitch');
  btn.lang = lang === 'zh' ? 'en' : 'zh-CN';
  btn.setAttribute('aria-label', t('langSwitchLabel'));
}

// ---------- DOM helpers (text only) ----------
function h(tag, attrs, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}
// Only allow same-origin paths or http(s) URLs from the API as hrefs.
const safeHref = (u) => (typeof u === 'string' && (/^\/(?!\/)/.test(u) || /^https?:\/\//i.test(u)) ? u : null);

// ---------- formatting ----------
function money(fen, currency = 'CNY') {
  if (fen == null || !Number.isFinite(Number(fen))) return '—';
  const n = Math.trunc(Number(fen));
  const abs = Math.abs(n);
  const cents = abs % 100;
  const yuan = (abs - cents) / 100; // exact: integer arithmetic only
  let parts;
  try {
    parts = new Intl.NumberFormat(locale(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: 2, maximumFractionDigits: 2 }).formatToParts(yuan);
  } catch (_) {
    parts = [{ type: 'currency', value: currency + ' ' }, ...new Intl.NumberFormat(locale(), { minimumFractionDigits: 2 }).formatToParts(yuan)];
  }
  const s = parts.map((p) => (p.type === 'fraction' ? String(cents).padStart(2, '0') : p.value)).join('');
  return n < 0 ? '-' + s : s;
}
function dateTime(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', { text: iso });
  const text = new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return h('time', { datetime: iso, title: iso, text });
}
function bytes(n) {
  if (n == null || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? String(v) : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(v)) + ' ' + units[i];
}
const statusBadge = (s) => h('span', { class: 'badge badge-' + String(s).replace(/[^a-z_]/g, ''), text: tEnum('status', s) });

// ---------- API ----------
class ApiError extends Error {
  constructor(title, detail, status) { super(title); this.title = title; this.detail = detail; this.status = status; }
}
async function api(path) {
  let res;
  try { res = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }); }
  catch (_) { throw new ApiError(t('error'), t('networkError'), 0); }
  let body = null;
  try { body = await res.json(); } catch (_) { /* non-JSON body */ }
  if (!res.ok) {
    throw new ApiError(body?.title || `${t('error')} (HTTP ${res.status})`, body?.detail || (body?.title ? '' : t('errorGeneric')), res.status);
  }
  if (body == null) throw new ApiError(t('error'), t('errorGeneric'), res.status);
  return body;
}
let leaguesCache = null;
let leaguesLoaded = [];
async function leagues() {
  if (!leaguesCache) leaguesCache = api('/api/v1/leagues').then((r) => r.items || []).catch((e) => { leaguesCache = null; throw e; });
  return leaguesCache;
}
function leagueName(code, fallback) {
  const l = leaguesLoaded.find((x) => x.code === code);
  if (!l) return fallback || code || '—';
  return (lang === 'en' && l.name_en) ? l.name_en : l.name;
}

// ---------- routing ----------
const FILTER_KEYS = ['category', 'league', 'status', 'q'];
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const qi = raw.indexOf('?');
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
  return { path, params };
}
function listHash(filters, page) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) p.set(k, filters[k]);
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return '#/' + (qs ? '?' + qs : '');
}

const app = () => document.getElementById('app');
let renderToken = 0;
let lastPath = null;

async function route() {
  const token = ++renderToken;
  const { path, params } = parseHash();
  const isCurrent = () => token === renderToken;
  const pathChanged = path !== lastPath;
  lastPath = path;
  let m;
  try {
    if (path === '/' || path === '') await renderList(params, isCurrent);
    else if ((m = path.match(/^\/tenders\/([^/]+)$/))) await renderDetail(decodeURIComponent(m[1]), isCurrent);
    else { if (isCurrent()) renderNotFound(); }
  } catch (e) {
    if (isCurrent()) renderError(e);
  }
  if (isCurrent() && pathChanged) {
    const h1 = app().querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
}

function renderLoading(title) {
  app().replaceChildren(h('h1', { class: 'page-title', text: title }), h('p', { class: 'loading', role: 'status', text: t('loading') }));
}
function errorBox(e) {
  const title = e instanceof ApiError ? e.title : t('error');
  const detail = e instanceof ApiError ? e.detail : t('errorGeneric');
  return h('div', { class: 'alert', role: 'alert' },
    h('strong', { text: title }), detail ? h('p', { text: detail }) : null,
    h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => route(), text: t('retry') }));
}
function renderError(e) {
  const box = app().querySelector('.results');
  if (box) box.replaceChildren(errorBox(e));
  else app().replaceChildren(h('p', { class: 'crumbs' }, h('a', { href: '#/', text: t('back') })), h('h1', { class: 'page-title', text: t('error') }), errorBox(e));
  document.title = `${t('error')} · ${t('appName')}`;
}
function renderNotFound() {
  app().replaceChildren(h('h1', { class: 'page-title', text: t('notFound') }), h('p', {}, h('a', { href: '#/', text: t('home') })));
}

// ---------- list view ----------
async function renderList(params, isCurrent) {
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, (params.get(k) || '').trim()]));
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  document.title = `${t('noticeBoard')} · ${t('appName')}`;

  const sel = (name, options) => h('div', { class: 'field' },
    h('label', { for: 'f-' + name, text: t(name) }),
    h('select', { id: 'f-' + name, name }, h('option', { value: '', text: t('all') }),
      options.map(([v, label]) => h('option', { value: v, selected: v === filters[name], text: label }))));

  const leagueSel = sel('league', filters.league ? [[filters.league, filters.league]] : []);
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('filters'), onsubmit: (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const f = Object.fromEntries(FILTER_KEYS.map((k) => [k, String(fd.get(k) || '').trim()]));
    const target = listHash(f, 1);
    if (location.hash === target) route(); else location.hash = target;
  } },
    sel('category', ENUMS.category.map((c) => [c, tEnum('category', c)])),
    leagueSel,
    sel('status', ENUMS.status.map((s) => [s, tEnum('status', s)])),
    h('div', { class: 'field field-q' }, h('label', { for: 'f-q', text: t('q') }),
      h('input', { id: 'f-q', name: 'q', type: 'search', value: filters.q, placeholder: t('qPlaceholder'), autocomplete: 'off' })),
    h('div', { class: 'field field-actions' },
      h('button', { type: 'submit', class: 'btn', text: t('search') }),
      h('a', { class: 'btn btn-secondary', href: '#/', text: t('reset') })));
  const results = h('div', { class: 'results', 'aria-busy': 'true' }, h('p', { class: 'loading', role: 'status', text: t('loading') }));
  app().replaceChildren(h('h1', { class: 'page-title', text: t('noticeBoard') }), form, results);

  // Populate leagues asynchronously; the list itself does not depend on it.
  leagues().then((items) => {
    if (!isCurrent()) return;
    leaguesLoaded = items;
    const s = leagueSel.querySelector('select');
    s.replaceChildren(h('option', { value: '', text: t('all') }),
      ...items.map((l) => h('option', { value: l.code, selected: l.code === filters.league, text: (lang === 'en' && l.name_en) ? l.name_en : l.name })));
    results.querySelectorAll('[data-league]').forEach((n) => { n.textContent = leagueName(n.dataset.league, n.textContent); });
  }).catch(() => { /* non-fatal: filter keeps current value only */ });

  const qs = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) qs.set(k, filters[k]);
  qs.set('page', String(page));
  qs.set('per_page', String(PER_PAGE));
  const data = await api('/api/v1/tenders?' + qs);
  if (!isCurrent()) return;

  const items = data.items || [];
  const perPage = data.per_page || PER_PAGE;
  const total = data.total ?? items.length;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const cur = data.page || page;
  results.removeAttribute('aria-busy');
  if (!items.length) {
    results.replaceChildren(...[h('p', { class: 'empty', text: t('empty') }), cur > 1 ? pager(filters, cur, pages) : null].filter(Boolean));
    return;
  }
  results.replaceChildren(
    h('p', { class: 'result-count muted', text: t('results', { total }) }),
    h('ol', { class: 'tender-list' }, items.map(tenderCard)),
    pager(filters, cur, pages));
}

function tenderCard(x) {
  return h('li', { class: 'card' },
    h('div', { class: 'card-head' },
      h('span', { class: 'ref mono', text: x.reference }), statusBadge(x.status)),
    h('h2', { class: 'card-title' }, h('a', { href: '#/tenders/' + encodeURIComponent(x.id), text: x.title })),
    h('dl', { class: 'meta' },
      metaItem(t('category'), tEnum('category', x.category)),
      metaItem(t('method'), tEnum('method', x.method)),
      metaItem(t('league'), h('span', { 'data-league': x.league_code, text: leagueName(x.league_code, x.league_name) })),
      metaItem(t('budget'), h('span', { class: 'money', text: money(x.budget?.amount_fen, x.budget?.currency) })),
      metaItem(t('bidDeadline'), dateTime(x.bid_deadline)),
      x.published_at ? metaItem(t('publishedAt'), dateTime(x.published_at)) : null));
}
const metaItem = (label, value) => h('div', {}, h('dt', { text: label }), h('dd', {}, value));

function pager(filters, page, pages) {
  const link = (p, label, rel) => (p >= 1 && p <= pages
    ? h('a', { class: 'btn btn-secondary', href: listHash(filters, p), rel, text: label })
    : h('span', { class: 'btn btn-secondary disabled', 'aria-disabled': 'true', text: label }));
  return h('nav', { class: 'pager', 'aria-label': t('pagination') },
    link(Math.min(page - 1, pages), t('prev'), 'prev'),
    h('span', { class: 'page-of', 'aria-current': 'page', text: t('pageOf', { page, pages }) }),
    link(page + 1, t('next'), 'next'));
}

// ---------- detail view ----------
async function renderDetail(id, isCurrent) {
  renderLoading(t('noticeBoard'));
  const [x] = await Promise.all([
    api('/api/v1/tenders/' + encodeURIComponent(id)),
    leagues().then((l) => { leaguesLoaded = l; }).catch(() => {}),
  ]);
  if (!isCurrent()) return;
  document.title = `${x.title} · ${t('appName')}`;
  const dates = x.dates || {};
  const section = (key, ...content) => h('section', { class: 'panel', 'aria-labelledby': 's-' + key },
    h('h2', { id: 's-' + key, text: t(key) }), ...content);
  const nothing = () => h('p', { class: 'muted', text: t('nothing') });
  const table = (cols, rows) => h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows)));

  const lots = x.lots || [];
  const docs = x.documents || [];
  const notices = [...(x.notices || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const clar = (x.clarifications || []).filter((c) => c.answer);

  app().replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/', text: t('back') })),
    h('div', { class: 'detail-head' },
      h('div', { class: 'card-head' }, h('span', { class: 'ref mono', text: x.reference }), statusBadge(x.status),
        x.amendment_version > 0 ? h('span', { class: 'badge badge-amend', text: t('amendment', { n: x.amendment_version }) }) : null),
      h('h1', { class: 'page-title', text: x.title }),
      h('dl', { class: 'meta meta-wide' },
        metaItem(t('category'), tEnum('category', x.category)),
        metaItem(t('method'), tEnum('method', x.method)),
        metaItem(t('league'), leagueName(x.league_code, x.league_name)),
        metaItem(t('tenderer'), x.tenderer?.name || '—'),
        metaItem(t('agent'), x.agent?.name || t('none')),
        metaItem(t('budget'), h('span', { class: 'money', text: money(x.budget?.amount_fen, x.budget?.currency) })),
        x.published_at ? metaItem(t('publishedAt'), dateTime(x.published_at)) : null),
      h('p', {}, h('a', { class: 'btn btn-secondary', href: '/api/v1/opendata/tenders/' + encodeURIComponent(x.id) + '/releases', type: 'application/json', text: t('opendata') }))),

    section('description', x.description ? h('div', { class: 'prose', text: x.description }) : nothing()),

    section('keyDates', h('dl', { class: 'meta meta-wide' },
      metaItem(t('docsAvailable'), dateTime(dates.documents_available_at ?? x.documents_available_at)),
      metaItem(t('clarDeadline'), dateTime(dates.clarification_deadline)),
      metaItem(t('bidDeadlineOpening'), dateTime(dates.bid_deadline ?? x.bid_deadline)),
      metaItem(t('publicityDays'), dates.publicity_days != null ? t('days', { n: dates.publicity_days }) : '—'))),

    section('lots', lots.length ? table([t('lotNo'), t('lotTitle'), t('lotDesc'), t('budget')], lots.map((l) =>
      h('tr', {}, h('td', { text: l.number }), h('td', { text: l.title }), h('td', { class: 'prose', text: l.description || '' }),
        h('td', { class: 'num money', text: money(l.budget_fen, x.budget?.currency) })))) : nothing()),

    section('evaluation', evaluationView(x.evaluation)),

    section('documents', docs.length ? table([t('docTitle'), t('filename'), t('size'), t('sha256'), ''], docs.map((d) => {
      const href = safeHref(d.download_url);
      const sha = d.sha256 || '';
      return h('tr', {},
        h('td', {}, d.title, d.published === false ? h('span', { class: 'badge badge-draft', text: t('unpublished') }) : null),
        h('td', { class: 'mono break', text: d.filename }),
        h('td', { class: 'num', text: bytes(d.size) }),
        h('td', {}, h('code', { class: 'mono', title: sha, text: sha.length > 16 ? sha.slice(0, 16) + '…' : sha })),
        h('td', {}, href ? h('a', { href, download: d.filename || true, type: d.media_type, text: t('download'),
          'aria-label': `${t('download')} ${d.title || d.filename || ''}`.trim() }) : '—'));
    })) : nothing()),

    section('notices', notices.length ? h('ol', { class: 'timeline' }, notices.map((n) => h('li', { class: 'notice' },
      h('div', { class: 'notice-head' },
        h('span', { class: 'seq', text: '#' + n.seq }),
        h('span', { class: 'badge badge-kind', text: tEnum('kind', n.kind) }),
        dateTime(n.published_at)),
      h('h3', { text: n.title }),
      n.body ? h('div', { class: 'prose', text: n.body }) : null))) : nothing()),

    section('clarifications', clar.length ? h('ol', { class: 'qa' }, clar.map((c) => h('li', {},
      h('div', { class: 'notice-head' }, h('span', { class: 'seq', text: '#' + c.number }), dateTime(c.answered_at)),
      h('dl', {},
        h('dt', { text: t('question') }), h('dd', { class: 'prose', text: c.question }),
        h('dt', { text: t('answer') }), h('dd', { class: 'prose', text: c.answer }))))) : nothing()),
  );
}

function evaluationView(ev) {
  if (!ev) return h('p', { class: 'muted', text: '—' });
  const out = [h('dl', { class: 'meta' }, metaItem(t('evalMethod'), tEnum('evalMethod', ev.method)))];
  if (ev.method === 'comprehensive_scoring') {
    const crit = ev.criteria || [];
    if (crit.length) {
      out.push(h('h3', { text: t('criteria') }), h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, [t('critName'), t('critKind'), t('weight')].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, crit.map((c) => h('tr', {},
          h('td', { text: c.name }), h('td', { text: tEnum('critKind', c.kind) }),
          h('td', { class: 'num', text: c.weight != null ? t('points', { n: c.weight }) : '—' })))))));
    }
    const pf = ev.price_formula;
    if (pf) {
      const known = pf.kind in I18N[lang].pf;
      out.push(h('h3', { text: t('priceFormula') }), h('p', {
        text: known ? t('pf.' + pf.kind, { above: pf.above_deduct_per_pct ?? '—', below: pf.below_deduct_per_pct ?? '—' }) : String(pf.kind),
      }));
    }
  }
  return out;
}

// ---------- boot ----------
document.addEventListener('DOMContentLoaded', () => {
  applyStatic();
  document.getElementById('lang-toggle').addEventListener('click', () => setLang(lang === 'zh' ? 'en' : 'zh'));
  window.addEventListener('hashchange', route);
  route();
});
