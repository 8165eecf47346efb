import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './greenroom-api.js';

export type { components, paths };
export type GreenroomClient = Client<paths>;
/** The body of PUT /vendor/v1/orders/{order_id}/result. */
export type VendorResult = NonNullable<
  paths['/vendor/v1/orders/{order_id}/result']['put']['requestBody']
>['content']['application/json'];
/** The body of PUT /vendor/v1/packages/{package_id}. */
export type VendorPackage = NonNullable<
  paths['/vendor/v1/packages/{package_id}']['put']['requestBody']
>['content']['application/json'];

/**
 * greenroom's API, typed from its OpenAPI document (openapi-fetch): every path, parameter, body
 * and answer is checked by the compiler. `key` is an integration key for /vendor/v1.
 */
export function createGreenroomClient(options: { baseUrl: string; key: string }): GreenroomClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.key}` },
  });
}

/**
 * The result with its PDF as one multipart request (part `result`: the JSON, part `report`: the
 * PDF), which the route accepts beside plain JSON.
 */
export function resultWithReport(result: VendorResult, pdf: Uint8Array) {
  return {
    body: result,
    bodySerializer: (body: VendorResult) => {
      const form = new FormData();
      form.set('result', JSON.stringify(body));
      form.set('report', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'report.pdf');
      return form;
    },
  };
}
