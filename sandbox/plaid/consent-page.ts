/**
 * The sandbox's stand-in for Plaid Link: a plain HTML form (choose a bank, sign in, choose the
 * accounts to share) that hands a public token back to the studio — by `postMessage` to the
 * window that opened it, and by redirect when the link token named a redirect URI.
 */
import type { InstitutionTemplate } from './data.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const style = `
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1a1b1e; }
  h1 { font-size: 1.4rem; } fieldset { border: 1px solid #ced4da; border-radius: 6px; margin: 1rem 0; }
  label { display: block; margin: .4rem 0; } input[type=text], input[type=password] { width: 100%; padding: .4rem; }
  button { background: #1c7ed6; color: white; border: 0; border-radius: 6px; padding: .6rem 1.2rem; font-size: 1rem; }
  .note { color: #555; font-size: .9rem; } .error { color: #c92a2a; }
`;

export function consentPage(options: { linkToken: string; institutions: readonly InstitutionTemplate[]; selected?: string | undefined; updateInstitution?: string | undefined }): string {
  const token = escape(options.linkToken);
  const credentials = `
    <fieldset><legend>Sign in (sandbox: user_good / pass_good)</legend>
      <label for="username">Username</label><input id="username" name="username" type="text" value="user_good" autocomplete="off">
      <label for="password">Password</label><input id="password" name="password" type="password" value="pass_good" autocomplete="off">
    </fieldset>`;
  if (options.updateInstitution) {
    return page(`Re-authenticate with ${escape(options.updateInstitution)}`, `
      <p>Your bank needs you to sign in again before Sluice can keep syncing.</p>
      <form method="post" action="/link"><input type="hidden" name="link_token" value="${token}">${credentials}
      <button type="submit">Sign in again</button></form>`);
  }
  const selected = options.institutions.find((institution) => institution.id === options.selected);
  if (!selected) {
    const choices = options.institutions
      .map((institution) => `<li><a href="/link?token=${encodeURIComponent(options.linkToken)}&amp;institution=${encodeURIComponent(institution.id)}">${escape(institution.name)}</a></li>`)
      .join('');
    return page('Connect a bank (Plaid sandbox)', `<p>Choose your bank:</p><ul>${choices}</ul>
      <p class="note">This local page stands in for Plaid Link: no real bank is contacted.</p>`);
  }
  const accounts = selected.accounts
    .map((account) => `<label><input type="checkbox" name="accounts" value="${escape(account.key)}" checked> ${escape(account.name)} ••${escape(account.mask)} <span class="note">(${escape(account.subtype)}, ${account.holderCategory})</span></label>`)
    .join('');
  return page(`Connect ${escape(selected.name)}`, `
    <form method="post" action="/link">
      <input type="hidden" name="link_token" value="${token}"><input type="hidden" name="institution_id" value="${escape(selected.id)}">
      ${credentials}
      <fieldset><legend>Accounts to share with Sluice</legend>${accounts}</fieldset>
      <button type="submit">Share these accounts</button>
    </form>`);
}

export function consentResultPage(result: { publicToken?: string; institution?: { id: string; name: string }; updated?: boolean; redirectUri?: string | null; error?: string }): string {
  if (result.error) return page('Could not connect', `<p class="error" role="alert">${escape(result.error)}</p>`);
  const message = JSON.stringify({ type: 'plaid-sandbox-link', publicToken: result.publicToken ?? null, institution: result.institution ?? null, updated: result.updated ?? false }).replace(/</g, '\\u003c');
  let redirect = '';
  if (result.redirectUri) {
    const target = new URL(result.redirectUri);
    if (result.publicToken) target.searchParams.set('public_token', result.publicToken);
    if (result.updated) target.searchParams.set('updated', '1');
    redirect = target.toString();
  }
  const script = `<script>
    const message = ${message};
    if (window.opener) { window.opener.postMessage(message, '*'); window.close(); }
    ${redirect ? `else { window.location.replace(${JSON.stringify(redirect)}); }` : ''}
  </script>`;
  const text = result.updated ? 'You are signed in again. You can close this window.' : `Connected ${escape(result.institution?.name ?? '')}. You can close this window.`;
  return page('Done', `<p role="status">${text}</p>${result.publicToken ? `<p class="note">Public token: <code id="public-token">${escape(result.publicToken)}</code></p>` : ''}${script}`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${style}</style></head><body><h1>${title}</h1>${body}</body></html>`;
}
