import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, SafeHtml } from '../../security/html.js';

describe('html tagged template', () => {
  it('escapes interpolations by default, in text and in attributes', () => {
    const name = `<script>alert("x")</script> & 'you'`;
    const out = html`<p title="${name}">${name}</p>`.toString();
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;you&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;you&#39;</p>',
    );
    expect(out).not.toContain('<script>');
  });

  it('does not escape a nested fragment twice, and escapes what is inside it once', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(html`<p>${inner}</p>`.toString()).toBe('<p><b>a &amp; b</b></p>');
  });

  it('joins arrays of fragments, escaping plain strings among them', () => {
    const items = ['<1>', '2'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul><li>&lt;1&gt;</li><li>2</li></ul>');
    expect(html`${['<i>', html`<i></i>`]}`.toString()).toBe('&lt;i&gt;<i></i>');
  });

  it('interpolates raw() as it is; null and undefined as nothing; numbers as text', () => {
    expect(html`${raw('<hr>')}${null}${undefined}${3}`.toString()).toBe('<hr>3');
    expect(html`x`).toBeInstanceOf(SafeHtml);
    expect(escapeHtml(`"&'`)).toBe('&quot;&amp;&#39;');
  });
});
