import type { TenantBranding } from '../branding.js';
import { html, join } from '../../security/html.js';
import { readableTextColor } from './format.js';

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
  const primary = branding.primaryColor;
  const onPrimary = readableTextColor(primary);
  const accent = branding.accentColor ?? primary;
  // Link text sits on white: use the brand colour only when it is readable there (same 4.5:1 rule).
  const link = onPrimary === '#FFFFFF' ? primary : '#1F2937';
  const p = (text: string) =>
    html`<p style="margin:0 0 16px;${FONT}font-size:16px;line-height:24px;color:#1F2937;">${text}</p>`;

  const logo = branding.logoUrl
    ? html`<img src="${branding.logoUrl}" alt="${branding.companyName}" height="32" style="display:block;height:32px;border:0;">`
    : html`<span style="${FONT}font-size:20px;font-weight:bold;color:${onPrimary};">${branding.companyName}</span>`;

  const details = c.details?.length
    ? html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse;">${c.details.map(
        (d) =>
          join([
            html`<tr><th scope="row" align="left" style="padding:4px 16px 4px 0;${FONT}font-size:15px;color:#4B5563;font-weight:normal;">${d.label}</th>`,
            html`<td style="padding:4px 0;${FONT}font-size:15px;color:#111827;font-weight:bold;">${d.value}</td></tr>`,
          ]),
      )}</table>`
    : html``;

  const action = c.action
    ? join([
        html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;"><tr>`,
        html`<td style="border-radius:6px;background:${primary};">`,
        html`<a href="${c.action.url}" style="display:inline-block;padding:12px 24px;${FONT}font-size:16px;font-weight:bold;color:${onPrimary};text-decoration:none;border-radius:6px;">${c.action.label}</a>`,
        html`</td></tr></table>`,
        html`<p style="margin:0 0 16px;${FONT}font-size:14px;line-height:20px;color:#4B5563;">If the button does not work, copy this link into your browser:<br>`,
        html`<a href="${c.action.url}" style="color:${link};text-decoration:underline;word-break:break-all;">${c.action.url}</a></p>`,
      ])
    : html``;

  return join(
    [
      html`<!DOCTYPE html>`,
      html`<html lang="en">`,
      html`<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
      html`<title>${c.subject}</title></head>`,
      html`<body style="margin:0;padding:0;background:#F3F4F6;">`,
      html`<div style="display:none;max-height:0;overflow:hidden;">${c.preheader}</div>`,
      html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#F3F4F6;"><tr><td align="center" style="padding:24px 12px;">`,
      html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#FFFFFF;border-radius:8px;overflow:hidden;">`,
      html`<tr><td style="background:${primary};padding:20px 32px;border-bottom:4px solid ${accent};">${logo}</td></tr>`,
      html`<tr><td style="padding:32px;">`,
      p(c.greeting),
      ...c.paragraphs.map(p),
      details,
      action,
      ...(c.closing ?? []).map(p),
      html`</td></tr>`,
      html`<tr><td style="padding:16px 32px;background:#F9FAFB;${FONT}font-size:12px;line-height:18px;color:#6B7280;">Sent by ${branding.fromName} on behalf of ${branding.companyName}.</td></tr>`,
      html`</table></td></tr></table>`,
      html`</body></html>`,
      html``,
    ],
    '\n',
  ).toString();
}
