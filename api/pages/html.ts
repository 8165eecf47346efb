import { html, type SafeHtml } from '../../security/html.js';

export { html, join, raw, type SafeHtml } from '../../security/html.js';
/**
 * The frame of every page people open from an e-mail: readable on a phone, works without
 * JavaScript, labelled landmarks, visible focus. No third-party assets.
 */
export function pageLayout(args: { title: string; lang?: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="${args.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${args.title}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;margin:0;color:#1b1b1b;background:#f6f7f9}
main{max-width:42rem;margin:0 auto;padding:1.5rem 1rem 4rem;background:#fff;min-height:100vh;box-sizing:border-box}
h1{font-size:1.5rem;margin-top:0}
fieldset{border:1px solid #ccd;border-radius:.5rem;margin:0 0 1.25rem;padding:1rem}
legend{font-weight:600;padding:0 .25rem}
label{display:block;margin:.35rem 0}
input[type=number],textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #889;border-radius:.25rem}
textarea{min-height:8rem}
button{font:inherit;font-weight:600;padding:.75rem 1.5rem;border:0;border-radius:.375rem;background:#1a5fb4;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.error{border:2px solid #b3261e;background:#fdecea;padding:.75rem 1rem;border-radius:.375rem}
.meta{color:#555}
</style>
</head>
<body><main id="main">
${args.body}
</main></body>
</html>`.toString();
}

/** A page with a heading and one sentence (closed, thank you, not found, failures). */
export const messagePage = (title: string, message: string): string =>
  pageLayout({ title, body: html`<h1>${title}</h1><p>${message}</p>` });

/** For unknown, revoked or expired tokens of every page people open from an e-mail. */
export const notFoundPage = (): string =>
  messagePage(
    'Link not found',
    'This link is not valid or has expired. Please use the link in your most recent e-mail.',
  );
