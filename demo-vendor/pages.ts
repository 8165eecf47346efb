import { questions } from './package.js';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}fieldset{margin:1rem 0}</style>
</head><body>${body}</body></html>`;

/** The test: one fieldset per question, plain HTML (no script), posted with the session's id. */
export function testPage(args: { session: string; firstName: string; packageName: string }) {
  const fieldsets = questions
    .map(
      (q) =>
        `<fieldset><legend>${escape(q.prompt)}</legend>${q.options
          .map(
            (o, i) =>
              `<label><input type="radio" name="${q.id}" value="${escape(o)}" id="${q.id}-${i}"> ${escape(o)}</label><br>`,
          )
          .join('')}</fieldset>`,
    )
    .join('\n');
  return page(
    args.packageName,
    `<h1>${escape(args.packageName)}</h1>
<p>Hello ${escape(args.firstName)}. Four questions; choose one answer each.</p>
<form method="post" action="/launch/answers">
<input type="hidden" name="session" value="${escape(args.session)}">
${fieldsets}
<button type="submit">Submit my answers</button>
</form>`,
  );
}

export const donePage = (score: number) =>
  page(
    'Done',
    `<h1>Done</h1><p>Thank you. Your answers are in (score ${score} / 100); you may close this page.</p>`,
  );

export const problemPage = (title: string, message: string) =>
  page(title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>`);
