export * from './assessment-input.js';
export * from './assessment-report.js';
export { ReportBranding, RenderOptions } from './fields.js';
export { toPdfText } from './pdf/text.js';
export * from './reference-check-input.js';
export * from './reference-check-report.js';
