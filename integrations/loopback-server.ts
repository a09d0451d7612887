import type { Server } from 'node:http';

/** Stops a sandbox's server now: open keep-alive and hanging connections are cut, not waited for. */
export async function closeNow(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
