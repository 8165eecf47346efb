import { appWithoutDependencies } from '../../api/openapi/app-without-dependencies.js';
import { appRoutes } from '../../api/openapi/document.js';
import type { RouteSpec } from '../../api/openapi/registry.js';

export { appWithoutDependencies };

/** Every route the app has, as declared, with its full path in OpenAPI style (`/t/{token}`). */
export function documentedRoutes(): RouteSpec[] {
  return appRoutes(appWithoutDependencies()).map((r) => ({ ...r, path: r.fullPath }));
}
