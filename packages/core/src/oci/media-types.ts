// Media types the distribution client sends and recognizes (the layout module names the image ones).
import { MEDIA_TYPES } from './layout/index.js';

/** Every manifest type we read: the registry 404s an OCI manifest unless Accept names its type. */
export const MANIFEST_ACCEPT: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerManifestList];

/** The OCI empty descriptor's media type and content (`{}`), for artifacts without a config. */
export const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
export const OCI_EMPTY_JSON = Buffer.from('{}');
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export { MEDIA_TYPES };
