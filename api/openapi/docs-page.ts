import { esc } from '../pages/html.js';
import { AUTH_LABELS, LINK_SECURITY_EXTENSION, type JsonObject, type OpenApiDocument } from './document.js';
import type { RouteSecurity } from './registry.js';

/**
 * The API reference as one server-rendered page, from the OpenAPI document: operations grouped by
 * tag, each with its auth, parameters, request body fields and responses, then the shared schemas.
 * No script and no third-party asset: it is served under the pages' CSP (default-src 'none').
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const schemas = doc.components.schemas;
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const groups = doc.tags.map((tag) => ({
    tag,
    ops: operations.filter(({ op }) => (op.tags as string[] | undefined)?.[0] === tag.name),
  }));

  const toc = groups
    .map(
      ({ tag, ops }) =>
        `<li><a href="#${anchor(`tag-${tag.name}`)}">${esc(tag.name)}</a> <span class="meta">(${ops.length})</span></li>`,
    )
    .join('');

  const sections = groups
    .map(
      ({ tag, ops }) => `<section aria-labelledby="${anchor(`tag-${tag.name}`)}">
<h2 id="${anchor(`tag-${tag.name}`)}">${esc(tag.name)}</h2>
${tag.description ? `<p>${esc(tag.description)}</p>` : ''}
${ops.map(({ path, method, op }) => operationHtml(path, method, op, schemas)).join('\n')}
</section>`,
    )
    .join('\n');

  const schemaSection = Object.entries(schemas)
    .map(
      ([name, schema]) => `<section class="op" id="${anchor(`schema-${name}`)}">
<h3><code>${esc(name)}</code></h3>
${fieldsTable(schema, schemas)}
</section>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} API ${esc(doc.info.version)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;margin:0;color:#1b1b1b;background:#f6f7f9}
main{max-width:70rem;margin:0 auto;padding:1.5rem 1rem 4rem;background:#fff;min-height:100vh;box-sizing:border-box}
h1{font-size:1.6rem;margin-top:0}
h2{border-bottom:2px solid #dde;padding-bottom:.25rem;margin-top:2.5rem}
h3{font-size:1.05rem;margin:0 0 .25rem}
h4{font-size:.95rem;margin:.75rem 0 .25rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.op{border:1px solid #dde;border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4rem;text-align:center;font-weight:700;border-radius:.25rem;padding:0 .4rem;margin-right:.5rem;color:#fff;background:#555}
.get{background:#1a5fb4}.post{background:#26a269}.put{background:#c64600}.patch{background:#9141ac}.delete{background:#b3261e}
table{border-collapse:collapse;width:100%;margin:.25rem 0;font-size:.92rem}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #eee;padding:.25rem .5rem}
th{background:#f3f4f7}
.meta{color:#555}
.auth{font-size:.9rem}
a{color:#1a5fb4}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
</style>
</head>
<body><main id="main">
<h1>${esc(doc.info.title)} API <span class="meta">${esc(doc.info.version)}</span></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}). Errors of the JSON API all have the shape <a href="#schema-ErrorBody"><code>ErrorBody</code></a>.</p>
<nav aria-label="Contents"><ul>${toc}<li><a href="#schemas">schemas</a></li></ul></nav>
${sections}
<section aria-labelledby="schemas"><h2 id="schemas">schemas</h2>
${schemaSection}
</section>
</main></body>
</html>`;
}

function operationHtml(
  path: string,
  method: string,
  op: JsonObject,
  schemas: Record<string, JsonObject>,
): string {
  const security = securityOf(op);
  const params = (op.parameters as JsonObject[] | undefined) ?? [];
  const body = op.requestBody as JsonObject | undefined;
  const responses = (op.responses as Record<string, JsonObject> | undefined) ?? {};
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${typeHtml(p.schema as JsonObject, schemas)}</td><td>${esc(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const bodyHtml = body
    ? Object.entries((body.content as Record<string, JsonObject>) ?? {})
        .map(
          ([
            type,
            media,
          ]) => `<h4>Request body <span class="meta"><code>${esc(type)}</code>${body.required ? '' : ', optional'}</span></h4>
${typeof body.description === 'string' ? `<p>${esc(body.description)}</p>` : ''}
${media.schema ? fieldsTable(media.schema as JsonObject, schemas) : ''}`,
        )
        .join('')
    : '';
  const responseRows = Object.entries(responses)
    .map(([status, r]) => {
      const content = (r.content as Record<string, JsonObject> | undefined) ?? {};
      const bodies = Object.entries(content)
        .map(([type, media]) =>
          type === 'application/json' && media.schema
            ? typeHtml(media.schema as JsonObject, schemas)
            : `<code>${esc(type)}</code>`,
        )
        .join(', ');
      return `<tr><td><code>${esc(status)}</code></td><td>${esc(r.description ?? '')}</td><td>${bodies}</td></tr>`;
    })
    .join('');
  return `<section class="op" id="${anchor(`op-${String(op.operationId)}`)}">
<h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span><code>${esc(path)}</code></h3>
<p><strong>${esc(op.summary ?? '')}</strong></p>
${typeof op.description === 'string' ? `<p>${esc(op.description)}</p>` : ''}
<p class="auth">Auth: ${esc(AUTH_LABELS[security])}</p>
${params.length ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Type</th><th>Description</th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
${bodyHtml}
<h4>Responses</h4><table><thead><tr><th>Status</th><th>Description</th><th>Body</th></tr></thead><tbody>${responseRows}</tbody></table>
</section>`;
}

function securityOf(op: JsonObject): RouteSecurity {
  if (op[LINK_SECURITY_EXTENSION]) return 'link';
  const first = (op.security as Record<string, unknown>[] | undefined)?.[0];
  const name = first ? Object.keys(first)[0] : undefined;
  return (name as RouteSecurity | undefined) ?? 'none';
}

const anchor = (text: string) => esc(text.replace(/[^A-Za-z0-9_-]+/g, '-'));

const refName = (schema: JsonObject) =>
  typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : null;

/** A short type: `string`, `integer ≥ 1`, `"a" | "b"`, `array of TenantSummary`, a link to a schema. */
function typeHtml(schema: JsonObject | undefined, schemas: Record<string, JsonObject>): string {
  if (!schema) return '';
  const ref = refName(schema);
  if (ref) return `<a href="#${anchor(`schema-${ref}`)}"><code>${esc(ref)}</code></a>`;
  if ('const' in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as JsonObject[] | undefined;
  if (union) return union.map((s) => typeHtml(s, schemas)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  if (schema.type === 'array') return `array of ${typeHtml(schema.items as JsonObject, schemas)}`;
  const limits = [
    schema.format ? String(schema.format) : '',
    schema.minimum !== undefined ? `≥ ${String(schema.minimum)}` : '',
    schema.maximum !== undefined && Number(schema.maximum) < Number.MAX_SAFE_INTEGER
      ? `≤ ${String(schema.maximum)}`
      : '',
    schema.maxLength !== undefined ? `≤ ${String(schema.maxLength)} chars` : '',
  ].filter(Boolean);
  return `${esc(type)}${limits.length ? ` <span class="meta">(${esc(limits.join(', '))})</span>` : ''}`;
}

interface FieldRow {
  name: string;
  required: boolean;
  schema: JsonObject;
}

/** Object properties flattened to dotted names (`candidate.email`, `sections[].questions[]`). */
function fieldRows(
  schema: JsonObject,
  schemas: Record<string, JsonObject>,
  prefix = '',
  depth = 0,
  required = true,
): FieldRow[] {
  const ref = refName(schema);
  if (ref && prefix) return [{ name: prefix, required, schema }];
  const resolved = ref ? (schemas[ref] ?? {}) : schema;
  if (depth > 4) return prefix ? [{ name: prefix, required, schema: resolved }] : [];
  const properties = resolved.properties as Record<string, JsonObject> | undefined;
  if (properties) {
    const req = new Set((resolved.required as string[] | undefined) ?? []);
    const rows: FieldRow[] = prefix ? [{ name: prefix, required, schema: { type: 'object' } }] : [];
    for (const [key, value] of Object.entries(properties)) {
      rows.push(...fieldRows(value, schemas, prefix ? `${prefix}.${key}` : key, depth + 1, req.has(key)));
    }
    return rows;
  }
  if (resolved.type === 'array' && resolved.items && !refName(resolved.items as JsonObject)) {
    const items = resolved.items as JsonObject;
    if (items.properties) return fieldRows(items, schemas, `${prefix}[]`, depth + 1, required);
  }
  return prefix ? [{ name: prefix, required, schema: resolved }] : [];
}

function fieldsTable(schema: JsonObject, schemas: Record<string, JsonObject>): string {
  const ref = refName(schema);
  const resolved = ref ? (schemas[ref] ?? {}) : schema;
  const variants = (resolved.oneOf ?? resolved.anyOf) as JsonObject[] | undefined;
  const intro = ref ? `<p class="meta">Schema ${typeHtml(schema, schemas)}</p>` : '';
  if (variants && !resolved.properties) {
    return `${intro}<p>One of:</p>${variants
      .map((v, i) => {
        const rows = fieldRows(v, schemas);
        return rows.length
          ? `<p class="meta">Variant ${i + 1}${refName(v) ? `: ${typeHtml(v, schemas)}` : ''}</p>${rowsTable(rows, schemas)}`
          : `<p class="meta">Variant ${i + 1}: ${typeHtml(v, schemas)}</p>`;
      })
      .join('')}`;
  }
  const rows = fieldRows(resolved, schemas);
  const extra =
    typeof resolved.description === 'string' && !ref
      ? `<p class="meta">${esc(resolved.description)}</p>`
      : '';
  if (!rows.length) return `${intro}${extra}<p class="meta">${typeHtml(resolved, schemas)}</p>`;
  return `${intro}${extra}${rowsTable(rows, schemas)}`;
}

function rowsTable(rows: FieldRow[], schemas: Record<string, JsonObject>): string {
  return `<table><thead><tr><th>Field</th><th>Required</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr><td><code>${esc(r.name)}</code></td><td>${r.required ? 'yes' : 'no'}</td><td>${typeHtml(r.schema, schemas)}</td><td>${esc(
          typeof r.schema.description === 'string' ? r.schema.description : '',
        )}${r.schema.default !== undefined ? ` <span class="meta">default <code>${esc(JSON.stringify(r.schema.default))}</code></span>` : ''}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}
