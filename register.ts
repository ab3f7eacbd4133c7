/**
 * `node --require kmip-kms/register index.js`, started from the host's folder:
 * installs kmip-kms as the host's KMIP client before the host loads it, so that
 * `S3KMS=kmip` / `backends.kms: "kmip"` selects us with the host's own `kmip`
 * settings. The host's `lib/kms/wrapper.js` builds its KMIP backend with
 * `new (require('arsenal').network.kmipClient)({ kmip: config.kmip })` (or
 * `kmipClusterClient` for an array of transports); both are replaced here by a
 * class that also hands the host's own arsenal `errors` to our backend.
 *
 * It logs one line when active and throws (so the host does not start) when it
 * cannot find the slot.
 */
import { installInto } from './lib/backend/register';

installInto(process.cwd());
