export * from './assessment.js';
export * from './reference-check.js';
export { renderLayout, type EmailContent, type RenderedEmail } from './layout.js';
export { escapeHtml, formatDuration, formatUtcDateTime, readableTextColor } from './format.js';
