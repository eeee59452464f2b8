// Account: what one account spent (as a user) and, for a worker operator,
// what its workers earned; the connected account by default, any account
// by its id.
import { coord, currentAccount, onAccountChange } from '../api.js';
import { h, loading, empty, errorBox, near, compact, ms, field } from '../ui.js';

export function accountPage(requested) {
  const input = h('input', { type: 'search', placeholder: 'account.near', autocomplete: 'off', spellcheck: 'false', value: requested || '' });
  const box = h('div', { 'aria-live': 'polite' });

  async function show(id) {
    if (!id) {
      box.replaceChildren(empty('Connect a wallet (or run outlayer dev) to see your own spending, or type an account id.'));
      return;
    }
    box.replaceChildren(loading(`Loading ${id}…`));
    try {
      const e = await coord(`/public/users/${encodeURIComponent(id)}/earnings`);
      if (!e.total_executions) {
        box.replaceChildren(empty(`${id} has not requested any execution yet.`));
        return;
      }
      const rate = `${((100 * (e.successful_executions || 0)) / e.total_executions).toFixed(1)}%`;
      let avg = '–';
      try {
        avg = near((BigInt(e.total_near_spent_yocto) / BigInt(e.total_executions)).toString());
      } catch {
        /* keep the dash */
      }
      const tiles = [
        ['Executions', String(e.total_executions)],
        ['Successful', `${e.successful_executions} (${rate})`],
        ['NEAR spent', near(e.total_near_spent_yocto)],
        ['Instructions', compact(e.total_instructions_used)],
        ['Average execution', ms(e.average_execution_time_ms)],
        ['Average per execution', avg],
      ];
      box.replaceChildren(h('h2', {}, id),
        h('div', { class: 'tiles' }, tiles.map(([k, v]) => h('div', { class: 'tile' }, h('span', { class: 'tile-v' }, v), h('span', { class: 'tile-k' }, k)))),
        h('p', {}, h('a', { href: `#/executions?user=${encodeURIComponent(id)}` }, `${id}'s executions →`)),
        h('p', { class: 'muted' }, 'Spent = the deposits attached to requests; what was refunded shows on each execution.'));
    } catch (err) {
      box.replaceChildren(errorBox(err, () => show(id)));
    }
  }

  const form = h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); location.hash = `#/account/${encodeURIComponent(input.value.trim())}`; } },
    field('Account', input), h('button', { type: 'submit', class: 'btn' }, 'Show'));
  const mine = () => (currentAccount() ? currentAccount().accountId : null);
  show(requested || mine());
  const off = requested ? null : onAccountChange(() => show(mine()));
  return { title: 'Account', el: h('section', {}, h('h1', {}, 'Account: spending'), form, box), cleanup: () => off && off() };
}
