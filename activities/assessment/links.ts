// Moved to journeys/links.ts; kept only for api/openapi/ (being replaced), which imports it.
export { pagePath } from '../../journeys/links.js';
