// The failure converter of every Temporal client, worker and workflow bundle of greenroom
// (temporal/data-converter.ts, workers/workflow-bundle.ts): failures' messages and stack traces travel
// in an encoded payload, so the payload codec encrypts them like every other payload — a failure that
// quotes personal data is as unreadable in Temporal's history as the data itself. CommonJS because
// the SDK loads it by path with require() (and webpack bundles it into the workflow code).
'use strict';
/* global require, exports */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by the SDK with require()
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
