import type { TenantBranding } from '../branding.js';
import { escapeHtml, readableTextColor } from './format.js';

/** What every template produces: one subject and two equivalent bodies. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Structured content shared by the text and HTML renderers, so both bodies are built from the
 * same facts and cannot drift apart. All strings are plain text; escaping happens here only.
 */
export interface EmailContent {
  subject: string;
  /** Preview line shown by inbox lists next to the subject. */
  preheader: string;
  greeting: string;
  paragraphs: string[];
  details?: { label: string; value: string }[];
  action?: { label: string; url: string };
  closing?: string[];
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';

export function renderLayout(branding: TenantBranding, content: EmailContent): RenderedEmail {
  return {
    subject: content.subject.replace(/[\r\n]+/g, ' '),
    text: renderText(branding, content),
    html: renderHtml(branding, content),
  };
}

function renderText(branding: TenantBranding, c: EmailContent): string {
  const lines: string[] = [c.greeting, ''];
  for (const p of c.paragraphs) lines.push(p, '');
  if (c.details?.length) {
    for (const d of c.details) lines.push(`${d.label}: ${d.value}`);
    lines.push('');
  }
  if (c.action) lines.push(`${c.action.label}: ${c.action.url}`, '');
  for (const p of c.closing ?? []) lines.push(p, '');
  lines.push('-- ', `${branding.fromName}, ${branding.companyName}`);
  return lines.join('\n') + '\n';
}

function renderHtml(branding: TenantBranding, c: EmailContent): string {
  const e = escapeHtml;
  const primary = branding.primaryColor;
  const onPrimary = readableTextColor(primary);
  const accent = branding.accentColor ?? primary;
  // Link text sits on white: use the brand colour only when it is readable there (same 4.5:1 rule).
  const link = onPrimary === '#FFFFFF' ? primary : '#1F2937';
  const p = (text: string): string =>
    `<p style="margin:0 0 16px;${FONT}font-size:16px;line-height:24px;color:#1F2937;">${e(text)}</p>`;

  const logo = branding.logoUrl
    ? `<img src="${e(branding.logoUrl)}" alt="${e(branding.companyName)}" height="32" style="display:block;height:32px;border:0;">`
    : `<span style="${FONT}font-size:20px;font-weight:bold;color:${onPrimary};">${e(branding.companyName)}</span>`;

  const details = c.details?.length
    ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse;">${c.details
        .map(
          (d) =>
            `<tr><th scope="row" align="left" style="padding:4px 16px 4px 0;${FONT}font-size:15px;color:#4B5563;font-weight:normal;">${e(d.label)}</th>` +
            `<td style="padding:4px 0;${FONT}font-size:15px;color:#111827;font-weight:bold;">${e(d.value)}</td></tr>`,
        )
        .join('')}</table>`
    : '';

  const action = c.action
    ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;"><tr>` +
      `<td style="border-radius:6px;background:${primary};">` +
      `<a href="${e(c.action.url)}" style="display:inline-block;padding:12px 24px;${FONT}font-size:16px;font-weight:bold;color:${onPrimary};text-decoration:none;border-radius:6px;">${e(c.action.label)}</a>` +
      `</td></tr></table>` +
      `<p style="margin:0 0 16px;${FONT}font-size:14px;line-height:20px;color:#4B5563;">If the button does not work, copy this link into your browser:<br>` +
      `<a href="${e(c.action.url)}" style="color:${link};text-decoration:underline;word-break:break-all;">${e(c.action.url)}</a></p>`
    : '';

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${e(c.subject)}</title></head>`,
    `<body style="margin:0;padding:0;background:#F3F4F6;">`,
    `<div style="display:none;max-height:0;overflow:hidden;">${e(c.preheader)}</div>`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#F3F4F6;"><tr><td align="center" style="padding:24px 12px;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#FFFFFF;border-radius:8px;overflow:hidden;">`,
    `<tr><td style="background:${primary};padding:20px 32px;border-bottom:4px solid ${accent};">${logo}</td></tr>`,
    `<tr><td style="padding:32px;">`,
    p(c.greeting),
    ...c.paragraphs.map(p),
    details,
    action,
    ...(c.closing ?? []).map(p),
    `</td></tr>`,
    `<tr><td style="padding:16px 32px;background:#F9FAFB;${FONT}font-size:12px;line-height:18px;color:#6B7280;">` +
      `Sent by ${e(branding.fromName)} on behalf of ${e(branding.companyName)}.</td></tr>`,
    `</table></td></tr></table>`,
    '</body></html>',
    '',
  ].join('\n');
}
