import type { Database } from '../../db/client.js';
import { createLaunchSigner } from '../../security/launch-assertions.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { LaunchKeyActivities } from '../../workflows/launch-keys/rotate-launch-keys.js';

/** The scheduled rotation of launch-assertion keys (the API's signer reads the same table). */
export function createLaunchKeyActivities(deps: {
  db: Database;
  secrets: SecretBox;
  publicBaseUrl: string;
}): LaunchKeyActivities {
  const signer = createLaunchSigner({ db: deps.db, secrets: deps.secrets, issuer: deps.publicBaseUrl });
  return {
    async rotateLaunchKey({ leadMs, rotationId }) {
      const { kid, activeFrom } = await signer.rotate({ leadMs, rotationId });
      return { kid, activeFrom: activeFrom.toISOString() };
    },
  };
}
