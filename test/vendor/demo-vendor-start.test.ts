import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startDemoVendor } from '../../demo-vendor/index.js';
import { freePort } from '../../temporal/free-port.js';

// Starting the demo vendor fails loudly, and leaves nothing listening, when it cannot do its job.
describe('demo vendor start', () => {
  it('refuses a port already taken, naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startDemoVendor({ greenroomUrl: 'http://127.0.0.1:9', integrationKey: 'gro_x', port }),
      ).rejects.toThrow(/cannot listen: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('stops listening when greenroom cannot be reached for the package sync', async () => {
    const port = await freePort();
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    await expect(
      startDemoVendor({ greenroomUrl: unreachable, integrationKey: 'gro_x', port }),
    ).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/orders`)).rejects.toThrow();
  });
});
