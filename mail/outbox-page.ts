import type { StoredMail } from './outbox.js';
import { html, join } from '../security/html.js';

/**
 * HTML page listing what the outbox transport stored (the local default's "would have been
 * sent" view). Pure, so the API layer only has to fetch `store.list()` and serve the string.
 * Each HTML body is shown in a sandboxed iframe: stored mail must not run script in our origin.
 */
export function renderOutboxPage(mails: StoredMail[], options: { title?: string } = {}): string {
  const title = options.title ?? 'Outbox';
  const fmt = (m: { name?: string | undefined; address: string }): string =>
    m.name ? `${m.name} <${m.address}>` : m.address;
  const items = join(
    mails.map(
      (m) => html`<article style="border:1px solid #D1D5DB;border-radius:8px;margin:0 0 24px;padding:16px;">
<h2 style="margin:0 0 8px;font-size:18px;">${m.subject}</h2>
<dl style="display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 12px;font-size:14px;">
<dt>Stored</dt><dd style="margin:0;">${m.storedAt}</dd>
<dt>From</dt><dd style="margin:0;">${fmt(m.from)}</dd>
<dt>To</dt><dd style="margin:0;">${m.to.map(fmt).join(', ')}</dd>
<dt>Key</dt><dd style="margin:0;"><code>${m.idempotencyKey}</code></dd>
<dt>Message-ID</dt><dd style="margin:0;"><code>${m.messageId}</code></dd>
</dl>
<details open><summary>HTML</summary><iframe sandbox title="${m.subject}" srcdoc="${m.html}" style="width:100%;height:480px;border:1px solid #E5E7EB;"></iframe></details>
<details><summary>Plain text</summary><pre style="white-space:pre-wrap;">${m.text}</pre></details>
</article>`,
    ),
    '\n',
  );
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px;">
<h1>${title} (${mails.length})</h1>
${mails.length ? items : html`<p>No mail stored yet.</p>`}
</body></html>
`.toString();
}
