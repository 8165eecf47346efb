import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { historiesDir, replayRecordedHistories } from '../helpers/histories.js';

// Determinism guard: every recorded journey history replays through today's workflow code. A change
// that fails here would break running journeys: use patching (workflow.patched) or a new type.
describe('recorded histories', () => {
  it('replay through the current workflow code', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const { code, output } = await replayRecordedHistories();
    expect(output).toContain(`${files.length} replayed, 0 failed`);
    expect(code).toBe(0);
  });
});
