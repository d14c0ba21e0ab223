// The registry flags every registry-reading command shares: --authfile and --insecure-registry.
import type { RegistryClientOptions } from '@provenant/core/oci';

export const AUTHFILE_DESCRIBE =
  'registry credentials file, docker config.json or podman auth.json format (default: PROVENANT_REGISTRY_USERNAME/PASSWORD, REGISTRY_AUTH_FILE, podman, then docker)';

/** Registry client options from the flags: the auth file joins the default credential chain. */
export async function registryOptions(args: { authfile?: string | undefined; insecureRegistry?: boolean | undefined }): Promise<RegistryClientOptions> {
  const options: RegistryClientOptions = { insecure: args.insecureRegistry ?? false };
  if (args.authfile !== undefined) {
    const { defaultCredentials } = await import('@provenant/core/oci');
    options.credentials = defaultCredentials({ authFile: args.authfile });
  }
  return options;
}
