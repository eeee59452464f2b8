// The dashboard: a hash router over the pages, the account slot in the
// header, and the menu for narrow screens.
import { loadConfig, initAccount, onAccountChange, currentAccount, connectWallet, disconnectWallet, getConfig } from './api.js';
import { h, errorBox } from './ui.js';
import { executionsPage, executionDetailPage } from './pages/executions.js';
import { queuePage } from './pages/queue.js';
import { statsPage, pricingPage } from './pages/stats.js';
import { accountPage } from './pages/account.js';
import { playgroundPage } from './pages/playground.js';
import { secretsPage } from './pages/secrets.js';

const ROUTES = [
  [/^\/executions\/(\d+)$/, (m) => executionDetailPage(Number(m[1])), 'executions'],
  [/^\/executions$/, () => executionsPage(), 'executions'],
  [/^\/queue$/, () => queuePage(), 'queue'],
  [/^\/stats$/, () => statsPage(), 'stats'],
  [/^\/pricing$/, () => pricingPage(), 'pricing'],
  [/^\/account(?:\/([^/]+))?$/, (m) => accountPage(m[1] ? decodeURIComponent(m[1]) : null), 'account'],
  [/^\/secrets$/, () => secretsPage(), 'secrets'],
  [/^\/playground$/, () => playgroundPage(), 'playground'],
];

let cleanup = null;
let firstRender = true;

async function render() {
  const main = document.getElementById('main');
  const path = (location.hash || '#/executions').slice(1).split('?')[0];
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  let route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    location.replace('#/executions');
    return;
  }
  const m = route[0].exec(path);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${route[2]}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeMenu();
  try {
    const page = route[1](m);
    main.replaceChildren(page.el);
    document.title = `${page.title} · OutLayer`;
    cleanup = page.cleanup || null;
  } catch (e) {
    main.replaceChildren(errorBox(e));
  }
  // After a navigation, focus moves to the new page (screen readers read it);
  // the first load leaves focus where the browser puts it.
  if (!firstRender) main.focus({ preventScroll: true });
  firstRender = false;
}

function closeMenu() {
  const b = document.querySelector('.menu-toggle');
  b.setAttribute('aria-expanded', 'false');
  document.getElementById('nav').classList.remove('open');
}

function renderAccount(acc) {
  const slot = document.getElementById('account-slot');
  const cfg = getConfig();
  if (cfg.signer_url) {
    slot.replaceChildren(acc
      ? h('span', { class: 'acct', title: 'outlayer dev signs as this account (development signer on loopback)' }, '● ', acc.accountId, h('small', {}, ' dev'))
      : h('span', { class: 'acct bad' }, 'dev signer unreachable'));
    return;
  }
  if (acc) {
    slot.replaceChildren(h('span', { class: 'acct' }, acc.accountId),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => disconnectWallet().catch(() => {}) }, 'Disconnect'));
  } else {
    slot.replaceChildren(h('button', {
      type: 'button', class: 'btn small', id: 'connect-wallet',
      onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          await connectWallet();
        } catch (e) {
          slot.append(h('span', { class: 'acct bad', role: 'alert' }, `wallet: ${e.message}`));
        } finally {
          ev.target.disabled = false;
        }
      },
    }, 'Connect wallet'));
  }
}

async function start() {
  const cfg = await loadConfig();
  document.getElementById('net-info').textContent =
    `network ${cfg.network} · contract ${cfg.contract_id} · RPC ${cfg.rpc_url}`;
  document.querySelector('.menu-toggle').addEventListener('click', (ev) => {
    const open = ev.target.getAttribute('aria-expanded') !== 'true';
    ev.target.setAttribute('aria-expanded', String(open));
    document.getElementById('nav').classList.toggle('open', open);
  });
  onAccountChange(renderAccount);
  renderAccount(currentAccount());
  window.addEventListener('hashchange', render);
  await render();
  await initAccount();
}

start();
